import { ConfigError, loadConfig, type Config } from "../core/config/config.js";

/** For command-line entry points: the configuration, or exit 78 (EX_CONFIG) after printing every problem. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
