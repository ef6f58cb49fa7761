/**
 * A row larger than the limit a snapshot reads (DBSYNC_MAX_ROW_SIZE, max_allowed_packet), met while
 * reading: the reader stops the table there and the snapshot skips it (see
 * src/snapshot/oversized-rows.ts, which finds such rows before the read).
 */
export class RowTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`a row of ${bytes} bytes is larger than the ${limit} bytes a row may have`);
    this.name = 'RowTooLargeError';
  }
}
