import { expect } from 'chai';
import { parseEventHubConfig } from '../../../providers/eventhub/config.js';

const CS = 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=k3y;EntityPath=tasks';

function configError(raw: Record<string, unknown>): Error {
  try {
    parseEventHubConfig(raw, 'task_queue');
  } catch (err) {
    return err as Error;
  }
  return expect.fail('expected a ConfigError');
}

describe('parseEventHubConfig', () => {
  it('fills the defaults: $Default, earliest start, balanced load balancing, the hub from EntityPath', () => {
    const config = parseEventHubConfig({ connection_string: CS }, 'task_queue');
    expect(config).to.deep.include({
      eventHubName: 'tasks',
      consumerGroup: '$Default',
      startPosition: 'earliest',
      messageFormat: 'latigo',
    });
    expect(config.loadBalancing).to.deep.equal({ strategy: 'balanced', updateIntervalMs: 10_000, ownershipExpirationMs: 60_000 });
  });

  it('accepts a namespace with the default Azure credential instead of a connection string', () => {
    const config = parseEventHubConfig(
      { fully_qualified_namespace: 'ns.servicebus.windows.net', credential: 'default', event_hub_name: 'tasks' },
      'task_queue',
    );
    expect(config.connection).to.deep.equal({
      kind: 'credential',
      fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      credential: 'default',
    });
  });

  it('names the key path of what is wrong', () => {
    expect(configError({}).message).to.include('task_queue.connection_string');
    expect(configError({ fully_qualified_namespace: 'ns', event_hub_name: 'h' }).message).to.include('task_queue.credential');
    expect(configError({ connection_string: CS, event_hub_name: 'other' }).message).to.include('task_queue.event_hub_name');
    expect(configError({ connection_string: CS.replace(';EntityPath=tasks', '') }).message).to.include('task_queue.event_hub_name');
    expect(
      configError({ connection_string: CS, load_balancing: { update_interval: '10s', ownership_expiration: '15s' } }).message,
    ).to.include('task_queue.load_balancing.ownership_expiration');
    expect(configError({ connection_string: CS, visibility_timeout: '1m' }).message).to.include('unknown key "visibility_timeout"');
  });
});
