// Providers throw typed AWS errors; only protocol serializers render them.
export interface AwsErrorOptions {
  /** HTTP status; AWS client errors are 400 unless the service says otherwise. */
  status?: number;
  /** 'Sender' (client fault) or 'Receiver' (server fault), used by the query protocol envelope. */
  fault?: 'Sender' | 'Receiver';
}

export class AwsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly fault: 'Sender' | 'Receiver';
  constructor(code: string, message: string, opts: AwsErrorOptions = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = opts.status ?? 400;
    this.fault = opts.fault ?? (this.status >= 500 ? 'Receiver' : 'Sender');
  }
}

/** Declares one error class per AWS error code: `class X extends awsError('X') {}`. */
export function awsError(code: string, defaults: AwsErrorOptions = {}) {
  return class extends AwsError {
    constructor(message: string, opts: AwsErrorOptions = {}) {
      super(code, message, { ...defaults, ...opts });
    }
  };
}

// Errors shared by every protocol (raised by the gateway/protocol layer itself).
export class InvalidAction extends awsError('InvalidAction') {}
export class UnknownOperationException extends awsError('UnknownOperationException') {}
export class MissingAction extends awsError('MissingAction') {}
export class InvalidParameterValue extends awsError('InvalidParameterValue') {}
export class MissingParameter extends awsError('MissingParameter') {}
export class InvalidParameterCombination extends awsError('InvalidParameterCombination') {}
export class MalformedQueryString extends awsError('MalformedQueryString', { status: 404 }) {}
export class SerializationException extends awsError('SerializationException') {}
export class UnsupportedOperation extends awsError('UnsupportedOperation') {}
export class InternalError extends awsError('InternalError', { status: 500 }) {}
export class RequestEntityTooLarge extends awsError('RequestEntityTooLarge', { status: 413 }) {}
