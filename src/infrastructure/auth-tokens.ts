import { readFile } from 'node:fs/promises';
import { parseTokens, type Config } from './config.js';

/** AUTH_TOKENS plus the tokens in AUTH_TOKENS_FILE (a mounted secret: comma- or line-separated). */
export const loadAuthTokens = (config: Config): Promise<readonly string[]> =>
  loadTokens('AUTH_TOKENS_FILE', config.authTokens, config.authTokensFile);

/** ADMIN_TOKENS plus the tokens in ADMIN_TOKENS_FILE, in the same format. */
export const loadAdminTokens = (config: Config): Promise<readonly string[]> =>
  loadTokens('ADMIN_TOKENS_FILE', config.adminTokens, config.adminTokensFile);

async function loadTokens(name: string, listed: readonly string[], file: string | undefined): Promise<readonly string[]> {
  if (!file) return listed;
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${name} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const tokens = parseTokens(raw);
  if (!tokens) throw new Error(`${name} ${file}: expected tokens of 16 or more visible characters`);
  return [...listed, ...tokens];
}
