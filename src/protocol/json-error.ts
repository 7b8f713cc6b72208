import type { AwsError } from '../core/errors.ts';
import type { ServiceModel } from './types.ts';

// Error rendering shared by json and rest-json.

/**
 * awsQueryCompatible services (SQS) keep their query error codes: the JSON `__type` names the error
 * shape, and `x-amzn-query-error: Code;Sender` carries the code the SDKs report, so clients see the
 * same error whichever protocol they use.
 */
export function jsonErrorHeaders(model: ServiceModel | undefined, error: AwsError): { type: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'x-amzn-errortype': error.code };
  let type = error.code;
  if (model?.metadata.awsQueryCompatible) {
    const shapeName = Object.entries(model.shapes).find(([, s]) => s.exception && s.error?.code === error.code)?.[0];
    if (shapeName) {
      type = shapeName;
      headers['x-amzn-errortype'] = shapeName;
    }
    headers['x-amzn-query-error'] = `${error.code};${error.fault}`;
  }
  return { type, headers };
}
