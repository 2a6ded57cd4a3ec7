// The `tetcd` command: read etcd-style settings, prepare the data directory, start the member and
// stop it cleanly on SIGTERM/SIGINT.
import fs from 'node:fs';
import pino from 'pino';
import { ConfigError, parseConfig, TetcdConfig, TETCD_VERSION, verifyBootstrap } from '../config';
import { startMember } from '../server/member';

const EXIT_FAILURE = 1;

// etcd's "panic" level has no pino equivalent; both it and "fatal" only let fatal lines through.
const PINO_LEVEL: Record<string, pino.Level> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  panic: 'fatal',
  fatal: 'fatal',
};

/** JSON lines shaped like etcd's zap output ("level", "ts", "msg"). */
export function createLogger(cfg: TetcdConfig): pino.Logger {
  const toStdout = cfg.logOutputs.length === 1 && cfg.logOutputs[0] === 'stdout';
  return pino(
    {
      level: cfg.debug ? 'debug' : PINO_LEVEL[cfg.logLevel],
      base: null,
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: toStdout ? 1 : 2, sync: true }),
  );
}

class DataDirError extends Error {}

/**
 * Creates the data (and WAL) directory when missing and checks that it is usable.
 * Returns true when the data directory held nothing yet, i.e. this start bootstraps the member.
 */
export function prepareDataDir(cfg: TetcdConfig): boolean {
  let fresh = true;
  for (const dir of [cfg.dataDir, cfg.walDir].filter((d) => d !== '')) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (!fs.statSync(dir).isDirectory()) throw new Error('not a directory');
      fs.accessSync(dir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
      if (fs.readdirSync(dir).length > 0) fresh = false;
    } catch (err) {
      throw new DataDirError(`cannot use directory ${JSON.stringify(dir)}: ${(err as Error).message}`);
    }
  }
  return fresh;
}

/** Runs tetcd; `argv` excludes the node binary and script path. Resolves once the member serves. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const warnings: string[] = [];
  let cfg: TetcdConfig;
  try {
    cfg = parseConfig(argv, env, (w) => warnings.push(w));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (err.informational) process.stdout.write(err.message);
    else process.stderr.write(`tetcd: ${err.message}${err.message.endsWith('\n') ? '' : "\nSee 'tetcd --help'.\n"}`);
    process.exit(err.exitCode);
  }

  const logger = createLogger(cfg);
  for (const w of warnings) logger.warn(w);

  try {
    const fresh = prepareDataDir(cfg);
    if (fresh) verifyBootstrap(cfg);
  } catch (err) {
    if (!(err instanceof DataDirError || err instanceof ConfigError)) throw err;
    logger.fatal({ 'data-dir': cfg.dataDir }, (err as Error).message);
    process.exit(EXIT_FAILURE);
  }

  logger.info(
    {
      'tetcd-version': TETCD_VERSION,
      name: cfg.name,
      'data-dir': cfg.dataDir,
      'listen-client-urls': cfg.listenClientUrls,
      'listen-peer-urls': cfg.listenPeerUrls,
    },
    'starting tetcd',
  );

  let member: { stop(): Promise<void> } | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1 || member === undefined) {
      logger.warn({ signal }, 'exiting immediately');
      process.exit(signals > 1 ? EXIT_FAILURE : 0);
    }
    logger.info({ signal }, 'stopping');
    member.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    member = await startMember(cfg, logger);
  } catch (err) {
    logger.fatal({ err }, 'failed to start');
    process.exit(EXIT_FAILURE);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2), process.env);
}
