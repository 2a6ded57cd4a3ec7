// Texts printed by --help, --version and after a flag error.
import { FLAGS, FlagSection } from './flags';

/** The version of etcd whose protocols and flags tetcd follows. */
export const ETCD_VERSION = '3.4.23';
export const ETCD_API_VERSION = '3.4';
export const TETCD_VERSION = readOwnVersion();

function readOwnVersion(): string {
  // package.json is two levels above src/config when run from source, three above dist/src/config.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(rel) as { name?: string; version?: string };
      if (pkg.name === 'tetcd' && pkg.version) return pkg.version;
    } catch {
      // not at this level; try the next one
    }
  }
  return 'unknown';
}

export const SHORT_USAGE = `Usage:

  tetcd [flags]
    Start a tetcd member.

  tetcd --version
    Print version information.

  tetcd -h | --help
    Print every flag with its default.

  tetcd --config-file <path>
    Read settings from an etcd-style YAML file instead of flags and ETCD_* variables.
`;

export function versionText(): string {
  return [
    `tetcd Version: ${TETCD_VERSION}`,
    `etcd Version: ${ETCD_VERSION}`,
    `API Version: ${ETCD_API_VERSION}`,
    `Node.js Version: ${process.version}`,
    `OS/Arch: ${process.platform}/${process.arch}`,
    '',
  ].join('\n');
}

export function helpText(): string {
  const lines: string[] = [SHORT_USAGE, 'Every flag can also be set with an ETCD_* variable: --foo-bar=x is ETCD_FOO_BAR=x.', 'A flag given on the command line wins over its variable.', ''];
  lines.push('  --config-file ""', '    etcd-style YAML file; when given, other flags and ETCD_* variables are ignored.', '');
  let section: FlagSection | undefined;
  for (const flag of FLAGS) {
    if (flag.section !== section) {
      section = flag.section;
      lines.push(`${section}:`, '');
    }
    lines.push(`  --${flag.name} '${flag.defaultText}'`, `    ${flag.help}`);
  }
  lines.push('', 'Flags from etcd 2 (such as --snapshot or --peer-election-timeout) are accepted and ignored.', '');
  return lines.join('\n');
}
