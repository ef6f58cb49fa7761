import type { SecretRule } from '../secrets/secret-rule.js';

/** Placeholder: filled in with InvoicePlane's secret columns. */
export const INVOICEPLANE_SECRETS: readonly SecretRule[] = [];
