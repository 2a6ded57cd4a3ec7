// etcd-style YAML config files (--config-file). Keys are the flag names; the only nested keys are
// client-transport-security and peer-transport-security, as in etcd's sample etcd.conf.yml.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { ConfigError, EXIT_INVALID_CONFIG } from './errors';
import { FLAGS_BY_NAME, FlagSpec } from './flags';
import { defaultConfig, TetcdConfig } from './types';
import { applyDerivedDefaults, validateConfig } from './validate';

type WarningSink = (message: string) => void;

const SECURITY_KEYS = ['cert-file', 'key-file', 'client-cert-auth', 'trusted-ca-file', 'auto-tls'];

// etcd parses YAML 1.1, where these words are booleans; js-yaml follows YAML 1.2 and keeps them as text.
const YAML11_BOOLEANS: Record<string, boolean> = {
  y: true, yes: true, on: true, n: false, no: false, off: false,
};

/** A YAML value as the text the flag would have received on a command line. */
function asFlagText(flag: FlagSpec, value: unknown): string {
  if (typeof value === 'string') {
    const yaml11 = YAML11_BOOLEANS[value.toLowerCase()];
    return flag.kind === 'bool' && yaml11 !== undefined ? String(yaml11) : value;
  }
  if (typeof value === 'number') {
    // etcd stores durations as Go time.Duration, which a YAML number gives in nanoseconds.
    return flag.kind === 'duration' ? `${value}ns` : String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.join(',');
  }
  throw new Error(`unsupported YAML value ${JSON.stringify(value)}`);
}

function readYaml(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, EXIT_INVALID_CONFIG);
  }
  // js-yaml refuses a stream without a document; etcd treats such a file as "all defaults".
  if (text.split('\n').every((line) => /^\s*(#.*)?$/.test(line))) return {};
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`, EXIT_INVALID_CONFIG);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`config file ${path} must hold a mapping of setting names to values`, EXIT_INVALID_CONFIG);
  }
  return doc as Record<string, unknown>;
}

/** Flattens the transport-security sections into the equivalent flag names. */
function flatten(doc: Record<string, unknown>, path: string, warn: WarningSink): Map<string, unknown> {
  const entries = new Map<string, unknown>();
  for (const [key, value] of Object.entries(doc)) {
    const prefix = key === 'client-transport-security' ? '' : key === 'peer-transport-security' ? 'peer-' : undefined;
    if (prefix === undefined) {
      entries.set(key, value);
      continue;
    }
    if (value === null) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(`config file ${path}: ${key} must be a mapping`, EXIT_INVALID_CONFIG);
    }
    for (const [sub, subValue] of Object.entries(value as Record<string, unknown>)) {
      if (SECURITY_KEYS.includes(sub)) entries.set(prefix + sub, subValue);
      else warn(`config file ${path}: unknown key "${key}.${sub}" ignored`);
    }
  }
  return entries;
}

/**
 * Reads an etcd 3.4 YAML config file into a validated TetcdConfig (unset keys keep etcd's
 * defaults). Unknown keys are ignored like etcd does, but reported to `warn`.
 * Throws ConfigError (exit 1) when the file is unreadable or a value is invalid.
 */
export function loadConfigFile(path: string, warn: WarningSink = () => undefined): TetcdConfig {
  const cfg = defaultConfig();
  cfg.configFile = path;
  let initialClusterGiven = false;
  for (const [key, value] of flatten(readYaml(path), path, warn)) {
    const flag = FLAGS_BY_NAME.get(key);
    if (flag === undefined) {
      warn(`config file ${path}: unknown key "${key}" ignored`);
      continue;
    }
    // An empty YAML value leaves the default, as a JSON null does for etcd.
    if (value === null) continue;
    try {
      flag.set(cfg, asFlagText(flag, value));
    } catch (err) {
      throw new ConfigError(
        `config file ${path}: invalid value ${JSON.stringify(value)} for ${key}: ${(err as Error).message}`,
        EXIT_INVALID_CONFIG,
      );
    }
    if (key === 'initial-cluster') initialClusterGiven = true;
  }
  applyDerivedDefaults(cfg, initialClusterGiven);
  validateConfig(cfg);
  return cfg;
}
