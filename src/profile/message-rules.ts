/**
 * How a profile describes row changes in the application's words (commit subjects such as
 * `Invoice INV-2026-0042 (ACME Ltd): status draft -> sent`). Pure data: the message builder
 * (src/commit/describe-changes.ts) reads it; a profile for another application is a new data file.
 *
 * Only values of columns named here are ever printed (in a title or a tracked column), and never
 * a column the profile marks as secret.
 */
export interface MessageRules {
  /** Tables whose rows are things of the application (an invoice, a client): one subject item per changed row. */
  readonly entities: readonly EntityRule[];
  /** Tables whose rows belong to an entity row (invoice items): counted on that entity's item, no item of their own. */
  readonly children: readonly ChildRule[];
  /** Key/value tables (settings): one item naming the changed keys, never the values. */
  readonly keyValues: readonly KeyValueRule[];
  /** The table where the application records its schema versions: an upgrade becomes the whole subject. */
  readonly versions?: VersionRule;
}

/**
 * The application's own record of database updates (InvoicePlane's ip_versions: one row per
 * applied SQL file, `040_1.6.4.sql`). Rows added in a commit read as `InvoicePlane upgraded
 * 1.5.7 -> 1.6.4` (or `InvoicePlane 1.0.0 installed` when there was none before).
 */
export interface VersionRule {
  readonly table: string;
  /** Auto-increment key: the row before the first added one holds the version upgraded from. */
  readonly key: string;
  /** Column holding the version text. */
  readonly column: string;
  /** Regular expression (source) whose first group is the version (InvoicePlane: the digits and dots before `.sql`). */
  readonly pattern: string;
  /** The application's name in the subject. */
  readonly app: string;
}

/** A column of another table, reached through a column of this row (client_id -> ip_clients.client_name). */
export interface Lookup {
  /** Column of this row holding the other row's key. */
  readonly from: string;
  readonly table: string;
  /** Key column of the other table. */
  readonly key: string;
  /** Column of the other row that is shown. */
  readonly show: string;
}

/** A column whose old and new values are printed on a change (`status draft -> sent`). */
export interface TrackedColumn {
  readonly column: string;
  /** What the column is called in the application (`status`). */
  readonly word: string;
  /** Names of stored values (`'1': 'draft'`); a value without a name is printed as stored. */
  readonly names?: Readonly<Record<string, string>>;
  /** A new value that reads as an event instead of a transition (`'4': 'accepted'` gives `Quote QUO-17 accepted`). */
  readonly events?: Readonly<Record<string, string>>;
}

export interface EntityRule {
  readonly table: string;
  /** Key column that children point to. */
  readonly key: string;
  /**
   * How a row is named. `{name}` is a lookup (see `lookups`) or a column of the row; `{a|b}` uses b
   * when a is empty, and `#b` is b's value after a `#` (`{invoice_number|#invoice_id}`); a part in
   * `[...]` is left out when a value in it is empty (`[ ({client})]`).
   */
  readonly title: string;
  /** Named lookups used in `title`. */
  readonly lookups?: Readonly<Record<string, Lookup>>;
  /** Words after the title; `''` leaves the word out (`Payment 120.00 on INV-1` for an added payment). Defaults: added, deleted, changed. */
  readonly verbs?: { readonly added?: string; readonly deleted?: string; readonly changed?: string };
  /** Columns whose old -> new values are printed. */
  readonly tracked?: readonly TrackedColumn[];
  /** Columns named (never their values) when they change: column -> word (`invoice_date_due: 'due date'`). */
  readonly fields?: Readonly<Record<string, string>>;
  /** Columns the application updates as a side effect (modification times, counters): a row where only these changed gets no item. */
  readonly ignore?: readonly string[];
}

export interface ChildRule {
  readonly table: string;
  /**
   * The row this one belongs to: `column` holds the key `key` of `table`, which is an entity table
   * or another child table (item amounts -> items -> invoice).
   */
  readonly parent: { readonly column: string; readonly table: string; readonly key: string };
  /**
   * Singular and plural word for counting (`['item', 'items']` gives `2 items added`). Absent:
   * the rows are not counted (recomputed totals); the entity's item then says `<quiet> changed`
   * only when nothing else is said about it.
   */
  readonly noun?: readonly [string, string];
  /** Word used when an uncounted child is the only change of its entity (`totals`). */
  readonly quiet?: string;
}

export interface KeyValueRule {
  readonly table: string;
  /** Column holding the key (`setting_key`); only keys are printed. */
  readonly keyColumn: string;
  /** Item text before the list of keys (`Settings changed`). */
  readonly title: string;
  /**
   * Column holding the value, and the value each key has before it is stored (what the
   * application's form shows for a key it has no row for). A key added with its default value
   * ('' and '0' are defaults of every key) is counted, not named: InvoicePlane's first settings
   * save stores every key of its form although the user changed one (`Settings changed:
   * default_invoice_terms (53 defaults stored)`). Values are compared, never printed.
   */
  readonly defaults?: { readonly valueColumn: string; readonly values: Readonly<Record<string, string>> };
}

/** Rules that describe nothing (a profile without messages). */
export const NO_MESSAGE_RULES: MessageRules = { entities: [], children: [], keyValues: [] };
