import type { AliasConfiguration, Cors, DestinationConfig, FunctionConfiguration, FunctionEventInvokeConfig } from './generated/shapes.ts';

// The documents Lambda keeps per function (one SQLite row each, see store.ts) and their AWS renderings.

export interface VersionDoc {
  version: string;
  runtime: string;
  handler?: string;
  role: string;
  description: string;
  timeout: number;
  memorySize: number;
  env: Record<string, string>;
  codeSha256: string;
  codeSize: number;
  /** Host directory of the code (extracted zip under the data dir, or the user's directory for __local__ code). */
  codeDir: string;
  /** 'zip': uploaded; 'local': S3Bucket=__local__ (hot reload: new environments see the directory as it is). */
  codeKind: 'zip' | 'local';
  /** Stored zip (for GetFunction's Code.Location), when uploaded. */
  zipFile?: string;
  lastModified: number;
  revisionId: string;
  deadLetterArn?: string;
  tracingMode: string;
  architectures: string[];
  ephemeralStorage: number;
  logGroup?: string;
  logFormat?: string;
}

export interface AliasDoc {
  name: string;
  functionVersion: string;
  description: string;
  weights?: Record<string, number>;
  revisionId: string;
}

export interface UrlDoc {
  urlId: string;
  qualifier: string;
  authType: string;
  invokeMode: string;
  cors?: Cors;
  createdAt: number;
  lastModified: number;
}

export interface EventInvokeDoc {
  qualifier: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  destinationConfig?: DestinationConfig;
  lastModified: number;
}

export interface FunctionDoc {
  account: string;
  region: string;
  name: string;
  arn: string;
  latest: VersionDoc;
  versions: Record<string, VersionDoc>;
  nextVersion: number;
  aliases: Record<string, AliasDoc>;
  tags: Record<string, string>;
  reserved?: number;
  policy: Record<string, unknown>[];
  policyRevision: string;
  urls: Record<string, UrlDoc>;
  eventInvoke: Record<string, EventInvokeDoc>;
  createdAt: number;
}

export interface EsmDoc {
  uuid: string;
  account: string;
  region: string;
  eventSourceArn: string;
  /** Function ARN as given (may carry a qualifier). */
  functionArn: string;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  functionResponseTypes: string[];
  maximumConcurrency?: number;
  enabled: boolean;
  state: string;
  lastModified: number;
  lastProcessingResult: string;
}

/** AWS's LastModified format: 2024-01-31T12:34:56.789+0000. */
export function lambdaTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function configurationOf(f: FunctionDoc, v: VersionDoc): FunctionConfiguration {
  const qualified = v.version === '$LATEST' ? f.arn : `${f.arn}:${v.version}`;
  return {
    FunctionName: f.name,
    FunctionArn: qualified,
    Runtime: v.runtime as FunctionConfiguration['Runtime'],
    Role: v.role,
    Handler: v.handler,
    CodeSize: v.codeSize,
    Description: v.description,
    Timeout: v.timeout,
    MemorySize: v.memorySize,
    LastModified: lambdaTime(v.lastModified),
    CodeSha256: v.codeSha256,
    Version: v.version,
    Environment: Object.keys(v.env).length ? { Variables: v.env } : undefined,
    TracingConfig: { Mode: v.tracingMode as 'PassThrough' },
    RevisionId: v.revisionId,
    DeadLetterConfig: v.deadLetterArn ? { TargetArn: v.deadLetterArn } : undefined,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: v.architectures as FunctionConfiguration['Architectures'],
    EphemeralStorage: { Size: v.ephemeralStorage },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: (v.logFormat ?? 'Text') as 'Text', LogGroup: v.logGroup ?? `/aws/lambda/${f.name}` },
  };
}

export function aliasConfigurationOf(f: FunctionDoc, a: AliasDoc): AliasConfiguration {
  return {
    AliasArn: `${f.arn}:${a.name}`,
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    RoutingConfig: a.weights ? { AdditionalVersionWeights: a.weights } : undefined,
    RevisionId: a.revisionId,
  };
}

export function eventInvokeConfigOf(f: FunctionDoc, e: EventInvokeDoc): FunctionEventInvokeConfig {
  return {
    LastModified: new Date(e.lastModified),
    FunctionArn: e.qualifier === '$LATEST' ? `${f.arn}:$LATEST` : `${f.arn}:${e.qualifier}`,
    MaximumRetryAttempts: e.maximumRetryAttempts,
    MaximumEventAgeInSeconds: e.maximumEventAgeInSeconds,
    DestinationConfig: e.destinationConfig ?? { OnSuccess: {}, OnFailure: {} },
  };
}
