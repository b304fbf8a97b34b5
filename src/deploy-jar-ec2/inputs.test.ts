import { describe, expect, test } from '@jest/globals';
import { parseInputs, parseTarget } from './inputs.ts';

const base = {
  jar: 'build/libs/app-*.jar',
  host: '203.0.113.10',
  service: 'my-api',
  'known-hosts-path': '/tmp/known_hosts',
};
const from = (values: Record<string, string>) => (name: string) =>
  (({ ...base, ...values }) as Record<string, string>)[name] ?? '';

describe('parseInputs', () => {
  test('defaults', () => {
    const inputs = parseInputs(from({}));
    expect(inputs).toMatchObject({
      jar: 'build/libs/app-*.jar',
      transport: 'ssh',
      hosts: ['203.0.113.10'],
      user: 'ec2-user',
      port: 22,
      appDir: '/opt/app',
      keepReleases: 5,
      healthTimeout: 60,
      lockTimeout: 600,
      force: false,
      insecureSkipHostKeyCheck: false,
      maxConcurrency: '1',
      maxErrors: '0',
      artifactPrefix: 'deploy-jar-ec2/',
    });
  });

  test('several hosts, one per line or comma-separated, duplicates once', () => {
    expect(
      parseInputs(from({ host: 'a.example.com\n10.0.0.2, a.example.com\n[2001:db8::1]' })).hosts,
    ).toEqual(['a.example.com', '10.0.0.2', '2001:db8::1']);
  });

  test('fetch-ssm-target outputs fit as they are (empty port means 22)', () => {
    const inputs = parseInputs(
      from({
        user: 'deploy',
        'key-path': '/runner/_temp/x/id_deploy',
        port: '',
        'health-url': 'http://127.0.0.1:8080/health',
      }),
    );
    expect(inputs).toMatchObject({ user: 'deploy', keyPath: '/runner/_temp/x/id_deploy', port: 22 });
  });

  test('a fingerprint pins the host instead of known_hosts', () => {
    const fp = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
    expect(
      parseInputs(from({ 'known-hosts-path': '', 'host-key-fingerprint': fp })).hostKeyFingerprints,
    ).toEqual([fp]);
  });

  test('ssm transport', () => {
    const inputs = parseInputs(
      from({
        transport: 'ssm',
        host: '',
        targets: 'tag:Role=api,worker',
        'artifact-bucket': 'my-artifacts',
        'max-concurrency': '25%',
      }),
    );
    expect(inputs.targets).toEqual([{ Key: 'tag:Role', Values: ['api', 'worker'] }]);
    expect(inputs.maxConcurrency).toBe('25%');
  });

  test.each([
    [{ jar: '' }, "Input 'jar': is required"],
    [{ jar: 'app.jar;reboot' }, "Input 'jar': invalid value 'app.jar;reboot'"],
    [{ jar: 'my app.jar' }, "Input 'jar': invalid value"],
    [{ jar: '$(curl evil)' }, "Input 'jar': invalid value"],
    [{ service: '' }, "Input 'service': is required"],
    [
      { service: 'api;rm -rf /' },
      "Input 'service': invalid value 'api;rm -rf /'. Expected a systemd unit name",
    ],
    [{ service: 'api`id`' }, "Input 'service': invalid value"],
    [{ service: '-api' }, "Input 'service': invalid value"],
    [{ 'app-dir': 'opt/app' }, "Input 'app-dir': invalid value 'opt/app'. Expected an absolute directory"],
    [{ 'app-dir': '/opt/app$(id)' }, "Input 'app-dir': invalid value"],
    [{ 'app-dir': '/opt/../etc' }, "Input 'app-dir': invalid value"],
    [{ 'app-dir': '/' }, "Input 'app-dir': invalid value"],
    [{ 'app-dir': '/opt//app' }, "Input 'app-dir': invalid value"],
    [{ 'health-url': "http://127.0.0.1/health'; id" }, "Input 'health-url': invalid value"],
    [{ 'health-url': 'ftp://x/health' }, "Input 'health-url': invalid value"],
    [{ host: '' }, "Input 'host': is required with transport ssh"],
    [{ host: 'h;id' }, "Input 'host': invalid value 'h;id'"],
    [{ user: 'Root User' }, "Input 'user': invalid value"],
    [{ port: '0' }, "Input 'port': invalid value '0'"],
    [{ 'keep-releases': '0' }, "Input 'keep-releases': invalid value '0'"],
    [{ 'health-timeout': '5s' }, "Input 'health-timeout': invalid value '5s'"],
    [{ force: 'maybe' }, "Input 'force': invalid value 'maybe'. Expected true or false."],
    [{ 'known-hosts-path': '' }, "Input 'known-hosts-path': no host key is pinned"],
    [{ 'known-hosts-path': '/tmp/k h' }, "Input 'known-hosts-path': invalid value"],
    [{ 'key-path': '/tmp/key;id' }, "Input 'key-path': invalid value"],
    [{ 'host-key-fingerprint': 'MD5:aa:bb' }, "Input 'host-key-fingerprint': invalid value 'MD5:aa:bb'"],
    [{ transport: 'scp' }, "Input 'transport': invalid value 'scp'. Expected one of: ssh, ssm."],
    [{ transport: 'ssm', host: '' }, "Input 'instance-ids': transport ssm needs instance-ids"],
    [
      { transport: 'ssm', 'instance-ids': 'i-0123456789abcdef0' },
      "Input 'artifact-bucket': is required with transport ssm",
    ],
    [{ transport: 'ssm', 'instance-ids': 'web-1' }, "Input 'instance-ids': invalid value 'web-1'"],
    [{ transport: 'ssm', targets: 'Role=api' }, "Input 'targets': invalid line 'Role=api'"],
    [{ 'max-concurrency': '0' }, "Input 'max-concurrency': invalid value '0'"],
    [{ 'max-errors': '-1' }, "Input 'max-errors': invalid value '-1'"],
    [{ 'artifact-bucket': 'My_Bucket' }, "Input 'artifact-bucket': invalid value 'My_Bucket'"],
  ])('%p is refused naming the input', (values, message) => {
    expect(() => parseInputs(from(values))).toThrow(message);
  });

  test('no pin is accepted with insecure-skip-host-key-check', () => {
    expect(
      parseInputs(from({ 'known-hosts-path': '', 'insecure-skip-host-key-check': 'true' }))
        .insecureSkipHostKeyCheck,
    ).toBe(true);
  });
});

test.each([
  ['tag:Role=api', { Key: 'tag:Role', Values: ['api'] }],
  ['tag:aws:cloudformation:stack-name=prod', { Key: 'tag:aws:cloudformation:stack-name', Values: ['prod'] }],
  ['InstanceIds=i-1,i-2', { Key: 'InstanceIds', Values: ['i-1', 'i-2'] }],
  ['tag-key=Role', { Key: 'tag-key', Values: ['Role'] }],
])('target %p', (line, want) => expect(parseTarget(line)).toEqual(want));
