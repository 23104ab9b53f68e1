/**
 * The gitops section of the inventory: mode and sync windows are validated where the user writes them.
 */
import { isIanaTimeZone } from '../../lib/model/schema';
import { site } from './support';

const windows = (w: string) => `gitops: { syncWindows: [{ schedule: "0 2 * * *", duration: 2h, ${w} }] }`;

describe('gitops.syncWindows', () => {
  it('defaults to an allow window in UTC that permits manual syncs', () => {
    expect(site('w-a', 1, windows('kind: allow')).gitops.syncWindows).toEqual([
      { kind: 'allow', schedule: '0 2 * * *', duration: '2h', timeZone: 'UTC', manualSync: true },
    ]);
  });

  it('rejects a time zone Argo CD could not load (it would silently use UTC)', () => {
    expect(() => site('w-b', 1, windows('timeZone: Europe/Berln'))).toThrow(/gitops\.syncWindows\[0\]\.timeZone.*"Europe\/Berln".*IANA time zone/);
    expect(() => site('w-c', 1, windows('timeZone: europe/berlin'))).toThrow(/exact case/);
  });

  it('accepts IANA names and their aliases', () => {
    expect(['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/UTC'].every(isIanaTimeZone)).toBe(true);
    expect(['utc', '+01:00', 'Mars/Olympus'].some(isIanaTimeZone)).toBe(false);
  });

  it('rejects a mode other than hub or pull', () => {
    expect(() => site('w-d', 1, 'gitops: { mode: push }')).toThrow(/gitops\.mode/);
  });
});
