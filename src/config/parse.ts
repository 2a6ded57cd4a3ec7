// Command line + ETCD_* environment → TetcdConfig, following Go's flag package and etcd's rules:
// flags stop at the first non-flag argument, leftovers are an error, a config file (flag or
// ETCD_CONFIG_FILE) replaces every other flag and variable.
import { ConfigError, EXIT_FLAG_ERROR, EXIT_INVALID_CONFIG } from './errors';
import { loadConfigFile } from './file';
import { FLAGS, FLAGS_BY_NAME, IGNORED_FLAGS } from './flags';
import { helpText, SHORT_USAGE, versionText } from './help';
import { defaultConfig, TetcdConfig } from './types';
import { parseGoBool } from './go-values';
import { applyDerivedDefaults, mayBeProxy, validateConfig } from './validate';

export type WarningSink = (message: string) => void;

const ENV_PREFIX = 'ETCD';

/** --foo-bar ↔ ETCD_FOO_BAR */
export function flagToEnv(name: string): string {
  return `${ENV_PREFIX}_${name.replace(/-/g, '_').toUpperCase()}`;
}

interface CommandLine {
  /** Names of flags given on the command line. */
  given: Set<string>;
  positional: string[];
  printVersion: boolean;
  configFile: string;
}

function flagError(message: string): ConfigError {
  return new ConfigError(`${message}\n${SHORT_USAGE}`, EXIT_FLAG_ERROR);
}

/** Go's FlagSet.Parse over argv, storing values into cfg as it goes. */
function parseCommandLine(argv: string[], cfg: TetcdConfig, warn: WarningSink): CommandLine {
  const cl: CommandLine = { given: new Set(), positional: [], printVersion: false, configFile: '' };
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg.length < 2 || arg[0] !== '-') break;
    const dashes = arg[1] === '-' ? 2 : 1;
    if (arg === '--') {
      i++;
      break;
    }
    i++;
    let name = arg.slice(dashes);
    if (name === '' || name[0] === '-' || name[0] === '=') throw flagError(`bad flag syntax: ${arg}`);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (IGNORED_FLAGS.includes(name)) {
      // Like etcd: a value-less flag whose "=value", if any, is not even looked at.
      warn(`flag --${name} is from etcd 2 and is ignored`);
      continue;
    }
    if (name === 'version') {
      cl.printVersion = value === undefined ? true : parseBoolFlag(name, value);
      continue;
    }
    if (name === 'config-file') {
      if (value === undefined) {
        if (i >= argv.length) throw flagError(`flag needs an argument: -${name}`);
        value = argv[i++];
      }
      cl.configFile = value;
      cl.given.add(name);
      continue;
    }
    const flag = FLAGS_BY_NAME.get(name);
    if (flag === undefined) {
      if (name === 'help' || name === 'h') throw new ConfigError(helpText(), 0, true);
      throw flagError(`flag provided but not defined: -${name}`);
    }
    if (flag.kind === 'bool') {
      flag.set(cfg, String(parseBoolFlag(name, value ?? 'true')));
    } else {
      if (value === undefined) {
        if (i >= argv.length) throw flagError(`flag needs an argument: -${name}`);
        value = argv[i++];
      }
      try {
        flag.set(cfg, value);
      } catch (err) {
        throw flagError(`invalid value "${value}" for flag -${name}: ${(err as Error).message}`);
      }
    }
    cl.given.add(name);
  }
  cl.positional = argv.slice(i);
  return cl;
}

function parseBoolFlag(name: string, value: string): boolean {
  try {
    return parseGoBool(value);
  } catch (err) {
    throw flagError(`invalid boolean value "${value}" for -${name}: ${(err as Error).message}`);
  }
}

/** Fills flags not given on the command line from ETCD_* variables; returns the names it set. */
function applyEnvironment(env: NodeJS.ProcessEnv, cfg: TetcdConfig, given: Set<string>, warn: WarningSink): Set<string> {
  const fromEnv = new Set<string>();
  const known = new Set<string>([flagToEnv('config-file'), flagToEnv('version')]);
  for (const name of IGNORED_FLAGS) known.add(flagToEnv(name));
  for (const flag of FLAGS) {
    const key = flagToEnv(flag.name);
    known.add(key);
    const value = env[key];
    if (value === undefined || value === '') continue;
    if (given.has(flag.name)) {
      warn(`environment variable ${key} is ignored because --${flag.name} is given on the command line`);
      continue;
    }
    try {
      flag.set(cfg, value);
    } catch (err) {
      throw new ConfigError(`invalid value "${value}" for ${key}: ${(err as Error).message}`, EXIT_INVALID_CONFIG);
    }
    fromEnv.add(flag.name);
  }
  for (const key of Object.keys(env)) {
    if (key.startsWith(`${ENV_PREFIX}_`) && !known.has(key)) {
      warn(`unrecognized environment variable ${key}=${env[key] ?? ''}`);
    }
  }
  return fromEnv;
}

/**
 * Reads tetcd's settings the way etcd 3.4 reads its own. `argv` excludes the node and script
 * paths (process.argv.slice(2)). Throws ConfigError: exit 2 for malformed flags, 1 for invalid
 * settings, 0 (informational) for --help and --version. Non-fatal oddities go to `warn`.
 */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, warn: WarningSink = () => undefined): TetcdConfig {
  const cfg = defaultConfig();
  const cl = parseCommandLine(argv, cfg, warn);
  if (cl.positional.length > 0) {
    throw new ConfigError(`'${cl.positional[0]}' is not a valid flag`, EXIT_INVALID_CONFIG);
  }
  if (cl.printVersion) throw new ConfigError(versionText(), 0, true);

  const configFile = cl.configFile !== '' ? cl.configFile : env[flagToEnv('config-file')] ?? '';
  if (configFile !== '') {
    warn(`loading settings from ${configFile}; other flags and ETCD_* variables are ignored`);
    return loadConfigFile(configFile, warn);
  }

  const fromEnv = applyEnvironment(env, cfg, cl.given, warn);
  const isSet = (name: string) => cl.given.has(name) || fromEnv.has(name);
  // Listening on chosen client URLs means the default advertised URL is probably wrong.
  if (isSet('listen-client-urls') && !isSet('advertise-client-urls')) {
    if (!mayBeProxy(cfg)) cfg.advertiseClientUrls = [];
  }
  applyDerivedDefaults(cfg, isSet('initial-cluster'));
  validateConfig(cfg);
  return cfg;
}
