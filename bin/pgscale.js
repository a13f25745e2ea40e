#!/usr/bin/env node
// The CLI is the same engine as the action, bundled into dist/cli.js (committed), so
// `npx pgscale` works from a clone right after `npm ci`, without a build step.
import '../dist/cli.js';
