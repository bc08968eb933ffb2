import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLIENT_FLAGS } from '../../../src/config/clientFlags.js';
import { repoRoot } from '../../helpers/testCluster.js';
import { defined } from '../../../src/defined.js';

const manifest = parse(readFileSync(join(repoRoot, 'deploy', 'k8s', 'ktc-job.yaml'), 'utf8')) as ConstructorParameters<typeof Job>[0];

describe('deploy/k8s/ktc-job.yaml', () => {
  it('is a valid batch/v1 Job by the Kubernetes OpenAPI schema', () => {
    expect(() => new Job(manifest).validate()).not.toThrow();
    // The check bites: the same manifest with a count written as a word is refused.
    const broken = structuredClone(manifest);
    Object.assign(defined(defined(broken).spec), { completions: 'three' });
    expect(() => new Job(broken).validate()).toThrow('data/spec/completions must be integer');
  });

  it('runs one ktc worker per index, the run id from the Job name, all expecting the same number of workers', () => {
    const spec = defined(defined(manifest).spec);
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    const container = defined(defined(spec.template.spec).containers[0]);
    const args = defined(container.args);
    expect(args[args.indexOf('--workers-expected') + 1]).toBe(String(spec.completions));
    expect(args[args.indexOf('--run-id') + 1]).toBe('$(RUN_ID)');
    expect(defined(defined(defined(defined(container.env).find((e) => e.name === 'RUN_ID')).valueFrom).fieldRef).fieldPath).toBe(
      "metadata.labels['batch.kubernetes.io/job-name']",
    );
    // Every flag is one ktc knows; the credentials file is in the mounted Secret.
    const flags = args.filter((a) => a.startsWith('-'));
    const known = new Set(Object.entries(CLIENT_FLAGS).flatMap(([name, f]) => [`--${name}`, ...('alias' in f ? [`-${f.alias}`] : [])]));
    expect(flags.filter((f) => !known.has(f))).toEqual([]);
    const mount = defined(defined(container.volumeMounts).find((m) => m.name === 'credentials'));
    expect(args[args.indexOf('--credentials') + 1]).toBe(`${mount.mountPath}/credentials.yaml`);
    expect(defined(defined(defined(defined(spec.template.spec).volumes).find((v) => v.name === 'credentials')).secret).secretName).toBe('ktc-credentials');
  });
});
