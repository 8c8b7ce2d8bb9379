import { expect } from 'chai';
import { redactSecrets, toProviderError } from '../../../providers/eventhub/errors.js';
import { ProviderError } from '../../../src/runtime/errors.js';

function sdkError(code: string, retryable: boolean, message = `${code} happened`): Error {
  return Object.assign(new Error(message), { name: 'MessagingError', code, retryable });
}

describe('Event Hubs error translation', () => {
  it('redacts shared access keys and signatures wherever the SDK quotes them', () => {
    const text =
      'bad string "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc+/=;EntityPath=h" and SharedAccessSignature sr=x&sig=zzz%2B&se=1';
    const redacted = redactSecrets(text);
    expect(redacted).to.not.include('abc+/=');
    expect(redacted).to.not.include('zzz%2B');
    expect(redacted).to.include('SharedAccessKey=***');
    expect(redacted).to.include('SharedAccessKeyName=root');
  });

  it('unwraps an AggregateError of retryable errors into a retryable ProviderError naming the attempts', () => {
    const err = toProviderError(
      new AggregateError([sdkError('ServiceUnavailableError', true), sdkError('ServerBusyError', true)]),
      'eventhub.send',
    );
    expect(err).to.be.instanceOf(ProviderError);
    expect((err as ProviderError).retryable).to.equal(true);
    expect(err.message).to.equal('eventhub.send failed after 2 attempts (ServerBusyError): ServerBusyError happened');
  });

  it('never retries a missing hub or refused credentials', () => {
    expect((toProviderError(sdkError('MessagingEntityNotFoundError', false), 'x') as ProviderError).retryable).to.equal(false);
    expect((toProviderError(new AggregateError([sdkError('UnauthorizedError', true)]), 'x') as ProviderError).retryable).to.equal(false);
  });

  it('passes AbortErrors through untouched', () => {
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(toProviderError(abort, 'x')).to.equal(abort);
  });
});
