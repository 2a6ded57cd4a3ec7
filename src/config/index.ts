export { ConfigError, EXIT_FLAG_ERROR, EXIT_INVALID_CONFIG } from './errors';
export { loadConfigFile } from './file';
export { parseGoDuration } from './go-values';
export { ETCD_API_VERSION, ETCD_VERSION, helpText, TETCD_VERSION, versionText } from './help';
export { flagToEnv, parseConfig, WarningSink } from './parse';
export { DEFAULT_QUOTA_BACKEND_BYTES, defaultConfig, TetcdConfig } from './types';
export { parseInitialCluster } from './urls';
export { verifyBootstrap } from './validate';
