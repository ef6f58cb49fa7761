/**
 * Import rules for src/ (run by `npm run lint`; see README "Layout"). They keep the layering the
 * README describes: the driver, git and the process edge each have one home, the pipeline never
 * reaches up into the CLI, and no two folders depend on each other.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'driver-only-in-db',
      comment: 'Only src/db talks to the MariaDB driver: its error codes, session settings and types stay behind Database.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/db/' },
      to: { path: '(^|/)node_modules/mysql2/|^mysql2' },
    },
    {
      name: 'processes-only-in-git',
      comment:
        'Only src/git spawns processes (git). Documented exception: src/demo/throwaway-server.ts starts ' +
        'a private mariadbd for the demo and the tests\' harness (a server process, not git).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/git/', '^src/demo/throwaway-server\\.ts$'] },
      to: { path: '^(node:)?child_process$' },
    },
    {
      name: 'pipeline-never-imports-cli',
      comment: 'The pipeline stages return results; only the CLI renders them and decides exit codes.',
      severity: 'error',
      from: { path: '^src/(detect|snapshot|commit|push|sync|pull|merge|apply|restore|record)/' },
      to: { path: '^src/cli(/|\\.ts$)' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'src/cli and src/cli.ts are the edge: no other code depends on them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli(/|\\.ts$)' },
      to: { path: '^src/cli(/|\\.ts$)' },
    },
    {
      name: 'policy-decided-once',
      comment: 'The profile, schema-only tables and secrets plan are decided in src/policy only (PassPolicy) and handed to the stages.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(policy|profile|secrets)/' },
      to: { path: '^src/(profile/resolve-profile|secrets/plan-secrets)\\.ts$' },
    },
    {
      name: 'snapshot-reads-no-policy',
      comment: 'The snapshot is handed its policy: it uses the types of profile, secrets and policy, never their code.',
      severity: 'error',
      from: { path: '^src/snapshot/' },
      to: { path: '^src/(policy|profile|secrets)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-file-cycles',
      comment: 'No import cycles between files.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/|^node_modules/|^(node:)?[a-z_]+$',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};
