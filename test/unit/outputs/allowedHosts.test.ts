import { expect } from 'chai';
import { AllowedHosts, isInternal } from '../../../src/outputs/allowedHosts.js';

describe('outputs.allowed_hosts', () => {
  const allowed = new AllowedHosts(['hooks.example.com', '*.plant.example.com', '127.0.0.1', '10.20.0.0/16', 'historian.local']);

  it('allows listed names, wildcard subdomains, addresses and ranges', () => {
    expect(allowed.refusesHost('hooks.example.com')).to.equal(undefined);
    expect(allowed.refusesHost('TICKETS.plant.example.com')).to.equal(undefined);
    expect(allowed.refusesHost('127.0.0.1')).to.equal(undefined);
    expect(allowed.refusesHost('10.20.3.4')).to.equal(undefined);
  });

  it('refuses hosts not listed, and internal addresses without an explicit entry', () => {
    expect(allowed.refusesHost('evil.example.com')).to.match(/not in outputs.allowed_hosts/);
    expect(allowed.refusesHost('plant.example.com.evil.com')).to.match(/not in outputs.allowed_hosts/);
    for (const address of ['127.0.0.2', '10.21.0.1', '192.168.1.1', '169.254.169.254', '[::1]', '0.0.0.0']) {
      expect(allowed.refusesHost(address), address).to.be.a('string');
    }
  });

  it('checks the resolved address: a wildcard name resolving into a private range is refused, an exact name entry is explicit', () => {
    expect(allowed.refusesAddress('10.1.1.1', 'tickets.plant.example.com')).to.match(/loopback or private/);
    expect(allowed.refusesAddress('93.184.216.34', 'tickets.plant.example.com')).to.equal(undefined);
    expect(allowed.refusesAddress('192.168.5.5', 'historian.local')).to.equal(undefined);
    expect(allowed.refusesAddress('10.20.9.9', 'anything.example.org')).to.equal(undefined);
  });

  it('knows the internal ranges, IPv4-mapped IPv6 included', () => {
    for (const a of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.0.1',
      '192.168.0.1',
      '169.254.1.1',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isInternal(a), a).to.equal(true);
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '2001:4860:4860::8888']) expect(isInternal(a), a).to.equal(false);
  });
});
