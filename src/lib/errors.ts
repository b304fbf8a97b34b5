/**
 * Errors that read as instructions to the user (a missing parameter, a refused host key...).
 * `run.ts` prints their message alone; anything else also gets its stack at debug level.
 */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
