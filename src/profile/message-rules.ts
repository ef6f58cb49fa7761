/**
 * How a profile describes row changes in the application's words (commit subjects such as
 * `Invoice INV-2026-0042 (ACME Ltd): status draft -> sent`). Placeholder shape; the message
 * builder defines the rules it needs.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface MessageRules {}
