/**
 * Alertmanager configuration as code: grouping by site and alert, inhibition (node down silences its
 * workloads; critical silences the warning of the same alert), repeat intervals by severity, the receiver
 * chosen in the inventory, and secrets only referenced by file — never inlined.
 */
import { alertmanagerConfig, ALERTMANAGER_SECRETS_DIR, receiverSecrets, NULL_RECEIVER, REPEAT_INTERVALS, SITE_RECEIVER } from '../../charts/monitoring/alertmanager';
import { InputError } from '../../lib/model/errors';
import { siteFromYaml } from '../helpers';
import { kpsValues, SAMPLE_SITES, sampleSite } from './support';

function site(receiver: string, extra = ''): ReturnType<typeof siteFromYaml> {
  return siteFromYaml(`name: am-test
location: lab
ring: 0
nodes: [{ name: n1, ip: 10.9.0.1, arch: arm64, cpuCores: 4, memoryGiB: 8 }]
layers:
  monitoring:
    receiver: ${receiver}
${extra}`);
}

describe('Alertmanager configuration', () => {
  it.each(SAMPLE_SITES)('%s: groups by site and alert name; repeats critical hourly and warnings twice a day', (name) => {
    const config = kpsValues(sampleSite(name)).alertmanager.config;
    expect(config.route.group_by).toEqual(['site', 'alertname']);
    const routes = config.route.routes as { matchers: string[]; repeat_interval?: string; receiver: string }[];
    expect(routes.find((r) => r.matchers.includes('severity = "critical"'))?.repeat_interval).toBe(REPEAT_INTERVALS.critical);
    expect(routes.find((r) => r.matchers.includes('severity = "warning"'))?.repeat_interval).toBe(REPEAT_INTERVALS.warning);
    expect(routes.find((r) => r.matchers.some((m) => m.includes('info')))?.receiver).toBe(NULL_RECEIVER);
    expect(routes[0]).toEqual({ receiver: NULL_RECEIVER, matchers: ['alertname =~ "Watchdog|InfoInhibitor"'] });
  });

  it('inhibits workload alerts on a NotReady node, and warnings under a critical alert of the same name', () => {
    const config = alertmanagerConfig(sampleSite('factory-floor').layers.monitoring, 'sites/factory-floor.yaml', ['inference', 'ollama']);
    expect(config.inhibit_rules).toEqual([
      { source_matchers: ['alertname = "NodeNotReady"'], target_matchers: ['layer =~ "inference|ollama"'], equal: ['site', 'node'] },
      { source_matchers: ['severity = "critical"'], target_matchers: ['severity = "warning"'], equal: ['site', 'alertname', 'model', 'namespace', 'pod'] },
    ]);
  });

  it('inhibits only the workload layers the site runs (office runs no Ollama), and none when it runs no workload', () => {
    expect(kpsValues(sampleSite('office')).alertmanager.config.inhibit_rules[0].target_matchers).toEqual(['layer =~ "inference"']);
    const none = alertmanagerConfig(sampleSite('office').layers.monitoring, 'sites/office.yaml', []);
    expect(none.inhibit_rules.map((r) => r.source_matchers)).toEqual([['severity = "critical"']]);
  });

  it('takes the receiver from the inventory: slack (factory-floor), webhook (warehouse), none (office)', () => {
    const receivers = (name: string) => kpsValues(sampleSite(name)).alertmanager.config.receivers;
    expect(receivers('factory-floor')[1].slack_configs[0].api_url_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/alertmanager-slack/url`);
    expect(receivers('warehouse')[1].webhook_configs[0]).toEqual({ url_file: `${ALERTMANAGER_SECRETS_DIR}/alertmanager-webhook/url`, send_resolved: true });
    expect(receivers('office')).toEqual([{ name: NULL_RECEIVER }]);
    expect(kpsValues(sampleSite('office')).alertmanager.config.route.receiver).toBe(NULL_RECEIVER);
    expect(kpsValues(sampleSite('warehouse')).alertmanager.config.route.receiver).toBe(SITE_RECEIVER);
  });

  it('pagerduty reads its routing key from the mounted Secret, under the configured key', () => {
    const m = site('{ type: pagerduty, secretName: pd-routing, secretKey: routing-key }').layers.monitoring;
    expect(alertmanagerConfig(m, 'x', []).receivers[1]).toEqual({ name: SITE_RECEIVER, pagerduty_configs: [{ routing_key_file: `${ALERTMANAGER_SECRETS_DIR}/pd-routing/routing-key`, send_resolved: true }] });
    expect(receiverSecrets(m.receiver)).toEqual(['pd-routing']);
  });

  it.each(SAMPLE_SITES)('%s: mounts exactly the receiver Secret and inlines no secret (no URL, no key in the config)', (name) => {
    const s = sampleSite(name);
    const am = kpsValues(s).alertmanager;
    expect(am.alertmanagerSpec.secrets).toEqual(s.layers.monitoring.receiver.secretName ? [s.layers.monitoring.receiver.secretName] : []);
    const text = JSON.stringify(am.config);
    // Every URL-ish string is a file path under the mounted secrets, or the placeholder-free template text.
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toMatch(/"(api_url|url|routing_key|service_key)":/);
    for (const m of text.matchAll(/"\w+_file":"([^"]+)"/g)) expect(m[1].startsWith(`${ALERTMANAGER_SECRETS_DIR}/`)).toBe(true);
  });

  it('refuses a receiver without a Secret, and a Secret without a receiver, naming file, field and fix', () => {
    const noSecret = site('{ type: slack }');
    expect(() => alertmanagerConfig(noSecret.layers.monitoring, 'sites/am-test.yaml', [])).toThrow(InputError);
    expect(() => alertmanagerConfig(noSecret.layers.monitoring, 'sites/am-test.yaml', [])).toThrow(
      /sites\/am-test\.yaml: layers\.monitoring\.receiver\.secretName: is required for receiver type "slack"\. Fix: create a Secret in namespace monitoring/,
    );
    const orphan = site('{ type: none, secretName: leftover }');
    expect(() => alertmanagerConfig(orphan.layers.monitoring, 'sites/am-test.yaml', [])).toThrow(/receiver\.secretName = "leftover": is set but receiver type is "none"/);
  });
});
