// What the embedded server's error messages share: the fallback advice every one of them ends
// with, and how a caught error is quoted in one line.

export const FALLBACK = 'or pass --database-url to use a server of your own';

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

export function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
