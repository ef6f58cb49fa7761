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
}
