import { readFile } from 'node:fs/promises';
import { parseTokens, type Config } from './config.js';

/** AUTH_TOKENS plus the tokens in AUTH_TOKENS_FILE (a mounted secret: comma- or line-separated). */
export async function loadAuthTokens(config: Config): Promise<readonly string[]> {
  if (!config.authTokensFile) return config.authTokens;
  let raw: string;
  try {
    raw = await readFile(config.authTokensFile, 'utf8');
  } catch (error) {
    throw new Error(`AUTH_TOKENS_FILE ${config.authTokensFile}: cannot read it (${(error as NodeJS.ErrnoException).code})`);
  }
  const tokens = parseTokens(raw);
  if (!tokens) throw new Error(`AUTH_TOKENS_FILE ${config.authTokensFile}: expected tokens of 16 or more visible characters`);
  return [...config.authTokens, ...tokens];
}
