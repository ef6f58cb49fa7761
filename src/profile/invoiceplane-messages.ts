import type { MessageRules } from './message-rules.js';

/** Placeholder: filled in with the commit message rules for InvoicePlane. */
export const INVOICEPLANE_MESSAGES: MessageRules = {};
