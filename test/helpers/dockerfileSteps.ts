import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { defined } from '../../src/defined.js';

/**
 * Replays a Dockerfile's stages without a Docker engine: each stage gets a
 * directory standing for its root filesystem; WORKDIR, COPY (from the build
 * context or an earlier stage), ENV and RUN are carried out there. Enough to
 * prove that the steps the image runs work in a clean directory.
 */
export interface ReplayedImage {
  /** Every stage's directory is under this one: the caller removes it (over 200 MB of node_modules). */
  scratch: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
}

function parseArgs(text: string): string[] {
  return text.trim().startsWith('[') ? (JSON.parse(text) as string[]) : text.trim().split(/\s+/);
}

export function replayDockerfile(contextDir: string, dockerfile = 'Dockerfile'): ReplayedImage {
  const lines = readFileSync(join(contextDir, dockerfile), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = new Map<string, string>();
  const scratch = mkdtempSync(join(tmpdir(), 'ktc-dockerfile-'));
  let root = '';
  let workdir = '/';
  let env: Record<string, string> = {};
  let entrypoint: string[] = [];
  const inRoot = (path: string) => join(root, path.startsWith('/') ? path : join(workdir, path));
  const expand = (text: string) =>
    text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
      const name = a ?? b ?? '';
      return env[name] ?? process.env[name] ?? '';
    });
  try {
    replay();
  } catch (err) {
    rmSync(scratch, { recursive: true, force: true });
    throw err;
  }
  return { scratch, root, workdir: inRoot('.'), env, entrypoint };

  function replay(): void {
    for (const line of lines) {
      const [instruction, ...restParts] = line.split(/\s+/);
      const rest = line.slice(defined(instruction).length).trim();
      switch (defined(instruction).toUpperCase()) {
        case 'ARG':
          break;
        case 'FROM': {
          const name = /\bAS\s+(\S+)/i.exec(rest)?.[1] ?? `stage${stages.size}`;
          root = join(scratch, name);
          mkdirSync(root, { recursive: true });
          stages.set(name, root);
          workdir = '/';
          env = { PATH: process.env.PATH ?? '' };
          break;
        }
        case 'WORKDIR':
          workdir = rest;
          mkdirSync(inRoot('.'), { recursive: true });
          break;
        case 'ENV': {
          const m = /^(\w+)=(?:"(.*)"|(\S*))$/.exec(rest);
          if (!m) throw new Error(`unsupported ENV: ${line}`);
          // Paths inside the image point into the stage directory here.
          env[defined(m[1])] = expand(m[2] ?? m[3] ?? '').replace(/(^|:)\/app\b/g, `$1${join(root, 'app')}`);
          break;
        }
        case 'COPY': {
          const from = restParts[0]?.startsWith('--from=') ? defined(restParts.shift()).slice('--from='.length) : undefined;
          const dest = defined(restParts.pop());
          for (const src of restParts) {
            const source = from ? join(defined(stages.get(from)), src) : join(contextDir, src);
            const target = dest.endsWith('/') || restParts.length > 1 ? join(inRoot(dest), basename(src)) : inRoot(dest);
            cpSync(source, target, { recursive: true, filter: (p) => !/\/(node_modules|\.ktc|dist)(\/|$)/.test(p.slice(source.length)) });
          }
          break;
        }
        case 'RUN':
          execFileSync('sh', ['-c', rest], { cwd: inRoot('.'), env: { ...process.env, ...env }, stdio: 'pipe' });
          break;
        case 'USER':
        case 'CMD':
          break;
        case 'ENTRYPOINT':
          entrypoint = parseArgs(rest);
          break;
        default:
          throw new Error(`unsupported Dockerfile instruction: ${line}`);
      }
    }
  }
}
