import { CERT_PATH, type Signer } from './signing.ts';
import type { MessageAttributes, Subscription, Topic } from './types.ts';

// What subscribers receive: the JSON envelopes (SQS, HTTP/S, email-json), Lambda events, and email texts,
// laid out the way SNS lays them out ("Key" : value, two-space indent).

export interface Published {
  messageId: string;
  topic: Topic;
  subject?: string;
  message: string;
  timestamp: string;
  attributes?: MessageAttributes;
  sequenceNumber?: string;
  baseUrl: string;
}

export function unsubscribeUrl(baseUrl: string, subArn: string): string {
  return `${baseUrl}/?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subArn)}&Version=2010-03-31`;
}

export function subscribeUrl(baseUrl: string, topicArn: string, token: string): string {
  return `${baseUrl}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}&Version=2010-03-31`;
}

function envelopeAttributes(attrs: MessageAttributes | undefined): Record<string, { Type: string; Value: string }> | undefined {
  if (!attrs || !Object.keys(attrs).length) return undefined;
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [k, v] of Object.entries(attrs)) {
    out[k] = { Type: v.DataType, Value: v.BinaryValue !== undefined ? Buffer.from(v.BinaryValue).toString('base64') : (v.StringValue ?? '') };
  }
  return out;
}

function layout(fields: [string, unknown][]): string {
  return `{\n${fields.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(',\n')}\n}`;
}

/** The Notification envelope for one subscription (message already chosen for its protocol). */
export function notificationEnvelope(p: Published, sub: Subscription, message: string, signer: Signer): string {
  const version = p.topic.attributes.SignatureVersion === '2' ? '2' : '1';
  const signed = { Type: 'Notification', MessageId: p.messageId, TopicArn: p.topic.arn, Subject: p.subject, Message: message, Timestamp: p.timestamp };
  return layout([
    ['Type', 'Notification'],
    ['MessageId', p.messageId],
    ['SequenceNumber', p.sequenceNumber],
    ['TopicArn', p.topic.arn],
    ['Subject', p.subject],
    ['Message', message],
    ['Timestamp', p.timestamp],
    ['SignatureVersion', version],
    ['Signature', signer.sign(signed, version)],
    ['SigningCertURL', p.baseUrl + CERT_PATH],
    ['UnsubscribeURL', unsubscribeUrl(p.baseUrl, sub.arn)],
    ['MessageAttributes', envelopeAttributes(p.attributes)],
  ]);
}

/** The Lambda event for one subscription (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html). */
export function lambdaEvent(p: Published, sub: Subscription, message: string, signer: Signer): string {
  const version = p.topic.attributes.SignatureVersion === '2' ? '2' : '1';
  const signed = { Type: 'Notification', MessageId: p.messageId, TopicArn: p.topic.arn, Subject: p.subject, Message: message, Timestamp: p.timestamp };
  return JSON.stringify({ Records: [{
    EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: sub.arn,
    Sns: {
      Type: 'Notification', MessageId: p.messageId, TopicArn: p.topic.arn, Subject: p.subject ?? null, Message: message, Timestamp: p.timestamp,
      SignatureVersion: version, Signature: signer.sign(signed, version), SigningCertUrl: p.baseUrl + CERT_PATH,
      UnsubscribeUrl: unsubscribeUrl(p.baseUrl, sub.arn), MessageAttributes: envelopeAttributes(p.attributes) ?? {},
    },
  }] });
}

export function confirmationMessage(topicArn: string): string {
  return `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
}

/** The SubscriptionConfirmation (or UnsubscribeConfirmation) message an HTTP/S endpoint gets. */
export function confirmationEnvelope(type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', topic: Topic, sub: Subscription, messageId: string, timestamp: string, baseUrl: string, signer: Signer): string {
  const version = topic.attributes.SignatureVersion === '2' ? '2' : '1';
  const url = subscribeUrl(baseUrl, topic.arn, sub.token);
  const message = type === 'SubscriptionConfirmation'
    ? confirmationMessage(topic.arn)
    : `You have chosen to deactivate subscription ${sub.arn}.\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message.`;
  const signed = { Type: type, MessageId: messageId, Token: sub.token, TopicArn: topic.arn, Message: message, SubscribeURL: url, Timestamp: timestamp };
  return layout([
    ['Type', type],
    ['MessageId', messageId],
    ['Token', sub.token],
    ['TopicArn', topic.arn],
    ['Message', message],
    ['SubscribeURL', url],
    ['Timestamp', timestamp],
    ['SignatureVersion', version],
    ['Signature', signer.sign(signed, version)],
    ['SigningCertURL', baseUrl + CERT_PATH],
  ]);
}

export function confirmationMail(topic: Topic, sub: Subscription, baseUrl: string): { subject: string; body: string } {
  const name = topic.attributes.DisplayName || 'AWS Notification';
  return {
    subject: `${name} - Subscription Confirmation`,
    body: [
      `You have chosen to subscribe to the topic:`,
      topic.arn,
      '',
      'To confirm this subscription, click or visit the link below (If this was in error no action is necessary):',
      `Confirm subscription: ${subscribeUrl(baseUrl, topic.arn, sub.token)}`,
      '',
      'Please do not reply directly to this email.',
    ].join('\n'),
  };
}

export function notificationMail(p: Published, sub: Subscription, message: string): { subject: string; body: string } {
  return {
    subject: p.subject ?? 'AWS Notification Message',
    body: `${message}\n\n--\nIf you wish to stop receiving notifications from this topic, please click or visit the link below to unsubscribe:\n${unsubscribeUrl(p.baseUrl, sub.arn)}\n`,
  };
}
