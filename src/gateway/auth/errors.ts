import { AwsError } from '../../core/errors.ts';
import type { Protocol, ServiceModel } from '../../protocol/types.ts';

// Authentication failures, named as each AWS protocol family names them. The gateway raises them; the protocol's
// serializer renders them in its own envelope (EC2 <Response><Errors>, query <ErrorResponse>, JSON __type).
//
//                      ec2                      query (+ awsQueryCompatible JSON: SQS, CloudWatch)   json / rest-json
//   unknown key        AuthFailure 401          InvalidClientTokenId 403                             UnrecognizedClientException 403
//   wrong signature    SignatureDoesNotMatch 403 SignatureDoesNotMatch 403                           InvalidSignatureException 403
//   no signature       AuthFailure 401          MissingAuthenticationToken 403                       MissingAuthenticationTokenException 403
//   malformed          IncompleteSignature 400  IncompleteSignature 400                              IncompleteSignatureException 400
//   too old / future   RequestExpired 400       SignatureDoesNotMatch 403 ("Signature expired: …")   InvalidSignatureException 403

export type AuthFamily = 'ec2' | 'query' | 'json';
export type AuthFailure = 'unknownKey' | 'badSignature' | 'missing' | 'incomplete' | 'expired';

export function authFamily(protocol: Protocol['name'], model: ServiceModel | undefined): AuthFamily {
  if (protocol === 'ec2') return 'ec2';
  if (protocol === 'query') return 'query';
  return model?.metadata.awsQueryCompatible ? 'query' : 'json';
}

const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BAD_TOKEN = 'The security token included in the request is invalid.';

const TABLE: Record<AuthFamily, Record<AuthFailure, [code: string, status: number, message: string]>> = {
  ec2: {
    unknownKey: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials'],
    badSignature: ['SignatureDoesNotMatch', 403, BAD_SIGNATURE],
    missing: ['AuthFailure', 401, 'AWS was not able to validate the provided access credentials: the request is not signed'],
    incomplete: ['IncompleteSignature', 400, 'The request signature does not conform to AWS standards.'],
    expired: ['RequestExpired', 400, 'Request has expired.'],
  },
  query: {
    unknownKey: ['InvalidClientTokenId', 403, BAD_TOKEN],
    badSignature: ['SignatureDoesNotMatch', 403, BAD_SIGNATURE],
    missing: ['MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignature', 400, 'The request signature does not conform to AWS standards.'],
    expired: ['SignatureDoesNotMatch', 403, 'Signature expired.'],
  },
  json: {
    unknownKey: ['UnrecognizedClientException', 403, BAD_TOKEN],
    badSignature: ['InvalidSignatureException', 403, BAD_SIGNATURE],
    missing: ['MissingAuthenticationTokenException', 403, 'Missing Authentication Token'],
    incomplete: ['IncompleteSignatureException', 400, 'The request signature does not conform to AWS standards.'],
    expired: ['InvalidSignatureException', 403, 'Signature expired.'],
  },
};

/** The AWS error for an authentication failure; `detail` replaces the stock message when given. */
export function authError(family: AuthFamily, failure: AuthFailure, detail?: string): AwsError {
  const [code, status, message] = TABLE[family][failure];
  return new AwsError(code, detail ?? message, { status });
}
