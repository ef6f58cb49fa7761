/**
 * How git-dbsync's pre-commit hook is recognised: the hook's file name and the marker lines around
 * its block. Here, not in src/hook, because opening a project asks whether the hook is installed
 * (foreign-repository.ts) and src/hook's pass runs on top of a project.
 */
export const HOOK_NAME = 'pre-commit';
export const BLOCK_BEGIN = '# >>> git-dbsync >>>';
export const BLOCK_END = '# <<< git-dbsync <<<';
