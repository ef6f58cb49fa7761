/** A request the page cannot answer: its HTTP status and a message for the person who asked (never a stack or a path outside the repository). */
export class PageError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 405,
    message: string,
  ) {
    super(message);
    this.name = 'PageError';
  }
}
