import type { SecretRule } from '../secrets/secret-rule.js';
import type { MessageRules } from './message-rules.js';

/**
 * What git-dbsync knows about one application's schema, kept as data so that a profile for another
 * application is a new file in src/profile/, not a change to the pipeline.
 */
export interface Profile {
  /** Name used by DBSYNC_PROFILE. */
  readonly name: string;
  /** One line for logs and the README. */
  readonly description: string;
  /** Chosen automatically (DBSYNC_PROFILE=auto) when the database has every one of these tables. */
  readonly detectTables: readonly string[];
  /**
   * Tables whose definition is versioned but whose rows are not (noise such as sessions and login
   * counters): their data never causes a commit, and restore leaves their rows alone.
   */
  readonly schemaOnlyTables: readonly string[];
  /** Columns holding secrets, handled by the secrets policy. */
  readonly secrets: readonly SecretRule[];
  /** Commit messages in the application's words. */
  readonly messages: MessageRules;
  /**
   * Business numbers (invoice numbers and the like) the application hands out from a counter each
   * computer increments on its own: two-way sync reports two rows with the same number as a
   * 'duplicate-number' conflict, and start-up prints `advice` once.
   */
  readonly businessNumbers?: BusinessNumbers;
  /** What the history page's search looks in (an invoice number, a client's name): each match leads to its record page. */
  readonly search?: readonly BusinessNumberColumn[];
  /**
   * Columns the application sets to the time of every save (InvoicePlane's `*_date_modified`):
   * when both computers saved the same row, two-way sync keeps the later time instead of recording
   * a conflict (it is no value a user chose; the fields they did change merge or conflict as usual).
   */
  readonly lastModified?: readonly TableColumn[];
}

export interface TableColumn {
  readonly table: string;
  readonly column: string;
}

/** A column whose values the application means to be unique, though the schema does not say so. */
export interface BusinessNumberColumn {
  readonly table: string;
  readonly column: string;
  /** The row in the application's words, singular, e.g. Invoice. */
  readonly entity: string;
}

export interface BusinessNumbers {
  readonly columns: readonly BusinessNumberColumn[];
  /** What the user does about a duplicate, e.g. `renumber one of them in InvoicePlane`. */
  readonly fix: string;
  /** The start-up note of two-way mode: why duplicates happen and how to avoid them. */
  readonly advice: string;
}
