import { readFileSync } from 'node:fs';

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Set when the arguments are a JSON array (exec form). */
  readonly exec?: readonly string[];
  /** `--from=…`, `--chown=…` and the like. */
  readonly flags: Readonly<Record<string, string>>;
}

export interface Stage {
  readonly name: string;
  /** The base image with ARG defaults substituted. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
  env(): Record<string, string>;
}

/** Enough of the Dockerfile grammar for our file: comments, `\` continuations, flags, exec form, ARG, ENV. */
export function parseDockerfile(path: string): { args: Record<string, string>; stages: Stage[] } {
  const logical = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const args: Record<string, string> = {};
  const stages: Array<{ name: string; from: string; instructions: Instruction[] }> = [];
  for (const line of logical) {
    const [, word = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = toInstruction(word.toUpperCase(), rest);
    if (instruction.keyword === 'ARG' && !stages.length) {
      const [name = '', value = ''] = instruction.args.split('=');
      args[name] = value;
    } else if (instruction.keyword === 'FROM') {
      const [image = '', , alias] = instruction.args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '');
      stages.push({ name: alias ?? String(stages.length), from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { args, stages: stages.map((stage) => ({ ...stage, env: () => envOf(stage.instructions) })) };
}

function toInstruction(keyword: string, rest: string): Instruction {
  const flags: Record<string, string> = {};
  let args = rest;
  if (keyword !== 'RUN' && keyword !== 'CMD' && keyword !== 'HEALTHCHECK') {
    for (let m = /^--(\w+)=(\S+)\s+/.exec(args); m; m = /^--(\w+)=(\S+)\s+/.exec(args)) {
      flags[m[1]!] = m[2]!;
      args = args.slice(m[0].length);
    }
  }
  if (args.startsWith('[')) {
    try {
      return { keyword, args, flags, exec: JSON.parse(args) as string[] };
    } catch {
      return { keyword, args, flags };
    }
  }
  return { keyword, args, flags };
}

/** ENV in both forms: `ENV A=1 B="two words"` and the legacy `ENV A 1`. */
function envOf(instructions: readonly Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of instructions) {
    if (keyword !== 'ENV') continue;
    if (!/^\w+=/.test(args)) {
      const [name = '', ...value] = args.split(/\s+/);
      env[name] = value.join(' ');
      continue;
    }
    for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}
