import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { deniedByProtectedMode, isLoopback } from '../src/client/protected-mode';

const t = suite('router:protected-mode');

t('knows loopback addresses, IPv4, IPv6 and IPv4-mapped', () => {
  for (const a of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '192.168.1.2', '::ffff:10.0.0.1', 'fe80::1', '0.0.0.0', undefined]) assert.not.ok(isLoopback(a), String(a));
});

t('refuses only non-loopback clients, only with no password and a non-loopback bind', () => {
  const base = { protectedMode: true, passwordSet: false, host: '0.0.0.0', remoteAddress: '10.1.2.3' };
  assert.ok(deniedByProtectedMode(base));
  assert.not.ok(deniedByProtectedMode({ ...base, remoteAddress: '127.0.0.1' }), 'loopback clients are served');
  assert.not.ok(deniedByProtectedMode({ ...base, remoteAddress: '::ffff:127.0.0.1' }));
  assert.not.ok(deniedByProtectedMode({ ...base, passwordSet: true }), 'a password lifts it');
  assert.not.ok(deniedByProtectedMode({ ...base, protectedMode: false }), '--protected-mode no lifts it');
  assert.not.ok(deniedByProtectedMode({ ...base, host: '127.0.0.1' }), 'a loopback bind is already private');
  assert.ok(deniedByProtectedMode({ ...base, host: '::' }));
});

t.run();
