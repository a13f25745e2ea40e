// A local stand-in for GitHub that speaks the real wire protocols, so the real @actions/artifact,
// @azure/storage-blob and octokit code runs against it:
// - the artifact service's Twirp JSON endpoints (CreateArtifact, FinalizeArtifact, ListArtifacts,
//   GetSignedArtifactURL, DeleteArtifact) under /twirp/github.actions.results.api.v1.ArtifactService/;
// - Azure block-blob uploads on the signed URLs (PUT ?comp=block, PUT ?comp=blocklist, plain PUT) and GET;
// - the REST endpoints for the repository, artifacts, artifact zips (302 to a blob URL), workflow runs
//   and issue comments (with a switch that makes comment writes answer 403, as a read-only token does).
//
// Point the clients at it with env(): ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN (a JWT whose scp claim
// carries Actions.Results:<runBackendId>:<jobBackendId>) and GITHUB_API_URL.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRun {
  id: number;
  head_branch: string;
  head_repository_id: number;
  conclusion: 'success' | 'failure' | 'cancelled' | null;
  status: 'completed' | 'in_progress';
}

export interface FakeArtifact {
  id: number;
  name: string;
  run_id: number;
  run_backend_id: string;
  job_backend_id: string;
  blob_key: string;
  size: number;
  finalized: boolean;
  expired: boolean;
  created_at: string;
  expires_at: string | null;
}

export interface FakeComment {
  id: number;
  issue_number: number;
  body: string;
  html_url: string;
  user: { login: string; type: string };
}

export interface FakeGitHub {
  url: string;
  owner: string;
  repo: string;
  repository_id: number;
  runs: Map<number, FakeRun>;
  artifacts: Map<number, FakeArtifact>;
  blobs: Map<string, Buffer>;
  comments: FakeComment[];
  /** Every request, as "METHOD /path?query" (for asserting the protocol was used). */
  requests: string[];
  /** When set, POST/PATCH on comments answer with this status (403 = read-only token). */
  commentWriteStatus: number | null;
  /** Makes uploads that follow belong to this run (and its backend ids in the runtime token). */
  setCurrentRun(run: Omit<FakeRun, 'status'> & { status?: FakeRun['status'] }): void;
  /** Environment variables the real clients read. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/** An unsigned JWT shaped like the runner's ACTIONS_RUNTIME_TOKEN; the client only decodes it. */
export function runtimeToken(runBackendId: string, jobBackendId: string): string {
  const header = base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({
      scp: `Actions.GenericRead:00000000 Actions.Results:${runBackendId}:${jobBackendId}`,
      exp: 4102444800,
    }),
  );
  return `${header}.${payload}.sig`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export async function startFakeGitHub(
  opts: { owner?: string; repo?: string; repository_id?: number } = {},
): Promise<FakeGitHub> {
  const owner = opts.owner ?? 'acme';
  const repo = opts.repo ?? 'shop';
  const repositoryId = opts.repository_id ?? 4242;
  const runs = new Map<number, FakeRun>();
  const artifacts = new Map<number, FakeArtifact>();
  const blobs = new Map<string, Buffer>();
  const staged = new Map<string, Map<string, Buffer>>();
  const comments: FakeComment[] = [];
  const requests: string[] = [];
  let nextArtifactId = 1000;
  let nextCommentId = 5000;
  let clock = Date.parse('2025-01-01T00:00:00Z');
  let current = { runId: 1, runBackendId: 'run-backend-1', jobBackendId: 'job-backend-1' };
  let baseUrl = '';

  const artifactJson = (a: FakeArtifact) => {
    const run = runs.get(a.run_id);
    return {
      id: a.id,
      node_id: `A_${a.id}`,
      name: a.name,
      size_in_bytes: a.size,
      url: `${baseUrl}/repos/${owner}/${repo}/actions/artifacts/${a.id}`,
      archive_download_url: `${baseUrl}/repos/${owner}/${repo}/actions/artifacts/${a.id}/zip`,
      expired: a.expired,
      created_at: a.created_at,
      updated_at: a.created_at,
      expires_at: a.expires_at,
      workflow_run: run
        ? {
            id: run.id,
            repository_id: repositoryId,
            head_repository_id: run.head_repository_id,
            head_branch: run.head_branch,
            head_sha: 'abc123',
          }
        : null,
    };
  };

  async function twirp(method: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!/^Bearer .+\..+\..+$/.test(req.headers.authorization ?? ''))
      return send(res, 401, { code: 'unauthenticated', msg: 'missing runtime token' });
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
    switch (method) {
      case 'CreateArtifact': {
        const name = String(body.name);
        if ([...artifacts.values()].some((a) => a.run_backend_id === body.workflow_run_backend_id && a.name === name)) {
          return send(res, 409, {
            code: 'already_exists',
            msg: 'an artifact with this name already exists on the workflow run',
          });
        }
        const id = nextArtifactId++;
        clock += 60_000;
        const key = `artifacts/${id}/${encodeURIComponent(name)}.zip`;
        artifacts.set(id, {
          id,
          name,
          run_id: current.runId,
          run_backend_id: String(body.workflow_run_backend_id),
          job_backend_id: String(body.workflow_job_run_backend_id),
          blob_key: key,
          size: 0,
          finalized: false,
          expired: false,
          created_at: new Date(clock).toISOString(),
          expires_at: typeof body.expires_at === 'string' ? body.expires_at : null,
        });
        return send(res, 200, { ok: true, signed_upload_url: `${baseUrl}/blob/${key}?sig=upload-${id}` });
      }
      case 'FinalizeArtifact': {
        const a = [...artifacts.values()].find(
          (x) => x.run_backend_id === body.workflow_run_backend_id && x.name === body.name && !x.finalized,
        );
        if (!a) return send(res, 404, { code: 'not_found', msg: 'artifact not found' });
        if (!blobs.has(a.blob_key)) return send(res, 400, { code: 'invalid_argument', msg: 'blob was never uploaded' });
        a.finalized = true;
        a.size = Number(body.size ?? 0);
        return send(res, 200, { ok: true, artifact_id: String(a.id) });
      }
      case 'ListArtifacts': {
        const nameFilter = body.name_filter as string | undefined;
        const idFilter = body.id_filter as string | undefined;
        const list = [...artifacts.values()].filter(
          (a) =>
            a.finalized &&
            a.run_backend_id === body.workflow_run_backend_id &&
            (nameFilter === undefined || a.name === nameFilter) &&
            (idFilter === undefined || String(a.id) === String(idFilter)),
        );
        return send(res, 200, {
          artifacts: list.map((a) => ({
            workflow_run_backend_id: a.run_backend_id,
            workflow_job_run_backend_id: a.job_backend_id,
            database_id: String(a.id),
            name: a.name,
            size: String(a.size),
            created_at: a.created_at,
          })),
        });
      }
      case 'GetSignedArtifactURL': {
        const a = [...artifacts.values()].find(
          (x) => x.run_backend_id === body.workflow_run_backend_id && x.name === body.name && x.finalized,
        );
        if (!a) return send(res, 404, { code: 'not_found', msg: 'artifact not found' });
        return send(res, 200, { signed_url: `${baseUrl}/blob/${a.blob_key}?sig=download-${a.id}` });
      }
      case 'DeleteArtifact': {
        const a = [...artifacts.values()].find(
          (x) => x.run_backend_id === body.workflow_run_backend_id && x.name === body.name,
        );
        if (!a) return send(res, 404, { code: 'not_found', msg: 'artifact not found' });
        artifacts.delete(a.id);
        return send(res, 200, { ok: true, artifact_id: String(a.id) });
      }
      default:
        return send(res, 404, { code: 'bad_route', msg: `no method ${method}` });
    }
  }

  async function blob(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const key = url.pathname.replace(/^\/blob\//, '');
    if (!url.searchParams.get('sig')) return send(res, 403, { message: 'missing signature' });
    const azureHeaders = {
      'x-ms-request-id': 'fake',
      'x-ms-version': '2025-01-05',
      etag: '"0x1"',
      'last-modified': new Date(clock).toUTCString(),
    };
    if (req.method === 'PUT') {
      const body = await readBody(req);
      const comp = url.searchParams.get('comp');
      if (comp === 'block') {
        const blockId = url.searchParams.get('blockid') ?? '';
        if (!staged.has(key)) staged.set(key, new Map());
        staged.get(key)!.set(blockId, body);
        res.writeHead(201, { ...azureHeaders, 'content-length': '0' });
        return void res.end();
      }
      if (comp === 'blocklist') {
        const ids = [
          ...body
            .toString('utf8')
            .matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\/(?:Latest|Uncommitted|Committed)>/g),
        ].map((m) => m[1]!);
        const blocks = staged.get(key) ?? new Map<string, Buffer>();
        const missing = ids.filter((id) => !blocks.has(id));
        if (missing.length > 0) {
          res.writeHead(400, { 'content-type': 'application/xml', 'x-ms-error-code': 'InvalidBlockList' });
          return void res.end(
            '<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidBlockList</Code><Message>unknown block</Message></Error>',
          );
        }
        blobs.set(key, Buffer.concat(ids.map((id) => blocks.get(id)!)));
        staged.delete(key);
        res.writeHead(201, { ...azureHeaders, 'content-length': '0' });
        return void res.end();
      }
      blobs.set(key, body);
      res.writeHead(201, { ...azureHeaders, 'content-length': '0' });
      return void res.end();
    }
    if (req.method === 'GET') {
      const data = blobs.get(key);
      if (!data) return send(res, 404, { message: 'blob not found' });
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': data.length });
      return void res.end(data);
    }
    return send(res, 405, { message: 'method not allowed' });
  }

  async function rest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const p = url.pathname.replace(/^\/api\/v3/, '');
    const repoPrefix = `/repos/${owner}/${repo}`;
    if (!/^(token|Bearer) \S+/.test(req.headers.authorization ?? ''))
      return send(res, 401, { message: 'Requires authentication' });
    if (!p.startsWith(repoPrefix)) return send(res, 404, { message: 'Not Found' });
    const rest = p.slice(repoPrefix.length);
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && rest === '') {
      return send(res, 200, {
        id: repositoryId,
        name: repo,
        full_name: `${owner}/${repo}`,
        owner: { login: owner },
        default_branch: 'main',
      });
    }
    if (req.method === 'GET' && rest === '/actions/artifacts') {
      const name = url.searchParams.get('name');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = [...artifacts.values()]
        .filter((a) => a.finalized && (name === null || a.name === name))
        .sort((a, b) => b.id - a.id)
        .map(artifactJson);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        const next = new URL(url.href);
        next.searchParams.set('page', String(page + 1));
        headers.link = `<${baseUrl}${next.pathname}${next.search}>; rel="next"`;
      }
      return send(res, 200, { total_count: all.length, artifacts: slice }, headers);
    }
    if (req.method === 'GET' && (m = /^\/actions\/artifacts\/(\d+)\/zip$/.exec(rest))) {
      const a = artifacts.get(Number(m[1]));
      if (!a || !a.finalized) return send(res, 404, { message: 'Not Found' });
      if (a.expired) return send(res, 410, { message: 'Artifact has expired' });
      res.writeHead(302, { location: `${baseUrl}/blob/${a.blob_key}?sig=download-${a.id}`, 'content-length': '0' });
      return void res.end();
    }
    if (req.method === 'GET' && (m = /^\/actions\/artifacts\/(\d+)$/.exec(rest))) {
      const a = artifacts.get(Number(m[1]));
      return a ? send(res, 200, artifactJson(a)) : send(res, 404, { message: 'Not Found' });
    }
    if (req.method === 'GET' && (m = /^\/actions\/runs\/(\d+)$/.exec(rest))) {
      const run = runs.get(Number(m[1]));
      if (!run) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, {
        id: run.id,
        status: run.status,
        conclusion: run.conclusion,
        head_branch: run.head_branch,
        head_repository: { id: run.head_repository_id },
        repository: { id: repositoryId },
      });
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const issue = Number(m[1]);
      if (req.method === 'GET') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30);
        const page = Number(url.searchParams.get('page') ?? 1);
        const all = comments.filter((c) => c.issue_number === issue);
        const headers: Record<string, string> = {};
        if (page * perPage < all.length) {
          const next = new URL(url.href);
          next.searchParams.set('page', String(page + 1));
          headers.link = `<${baseUrl}${next.pathname}${next.search}>; rel="next"`;
        }
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage), headers);
      }
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { body?: string };
        if (fake.commentWriteStatus)
          return send(res, fake.commentWriteStatus, { message: 'Resource not accessible by integration' });
        if (typeof body.body !== 'string' || body.body.length > 65_536)
          return send(res, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
        const id = nextCommentId++;
        const comment: FakeComment = {
          id,
          issue_number: issue,
          body: body.body,
          html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
          user: { login: 'github-actions[bot]', type: 'Bot' },
        };
        comments.push(comment);
        return send(res, 201, comment);
      }
    }
    if (req.method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const body = JSON.parse((await readBody(req)).toString('utf8')) as { body?: string };
      if (fake.commentWriteStatus)
        return send(res, fake.commentWriteStatus, { message: 'Resource not accessible by integration' });
      const comment = comments.find((c) => c.id === Number(m![1]));
      if (!comment) return send(res, 404, { message: 'Not Found' });
      if (typeof body.body !== 'string' || body.body.length > 65_536)
        return send(res, 422, { message: 'Validation Failed: body is too long (maximum is 65536 characters)' });
      comment.body = body.body;
      return send(res, 200, comment);
    }
    return send(res, 404, { message: 'Not Found' });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const twirpPrefix = '/twirp/github.actions.results.api.v1.ArtifactService/';
    const handler = url.pathname.startsWith(twirpPrefix)
      ? req.method === 'POST'
        ? twirp(url.pathname.slice(twirpPrefix.length), req, res)
        : Promise.resolve(send(res, 405, { code: 'bad_route', msg: 'POST only' }))
      : url.pathname.startsWith('/blob/')
        ? blob(req, res, url)
        : rest(req, res, url);
    handler.catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeGitHub = {
    url: baseUrl,
    owner,
    repo,
    repository_id: repositoryId,
    runs,
    artifacts,
    blobs,
    comments,
    requests,
    commentWriteStatus: null,
    setCurrentRun(run) {
      runs.set(run.id, { status: 'completed', ...run });
      current = { runId: run.id, runBackendId: `run-backend-${run.id}`, jobBackendId: `job-backend-${run.id}` };
      process.env['ACTIONS_RUNTIME_TOKEN'] = runtimeToken(current.runBackendId, current.jobBackendId);
    },
    env() {
      return {
        ACTIONS_RESULTS_URL: `${baseUrl}/`,
        ACTIONS_RUNTIME_TOKEN: runtimeToken(current.runBackendId, current.jobBackendId),
        GITHUB_API_URL: baseUrl,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: `${owner}/${repo}`,
        NO_PROXY: '127.0.0.1,localhost',
      };
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      });
    },
  };
  return fake;
}
