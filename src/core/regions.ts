// AWS region codes as AWS names them (the Price List's `location`, the "Region" of alarm notifications) and as usage
// types prefix them (BoxUsage in us-east-1 has no prefix, USW2-BoxUsage in us-west-2, …). The one table for the
// billing engine, the pricing, Savings Plans and Cost Explorer services and CloudWatch alarm messages.

const REGIONS: Record<string, { location: string; prefix: string }> = {
  'us-east-1': { location: 'US East (N. Virginia)', prefix: 'USE1' },
  'us-east-2': { location: 'US East (Ohio)', prefix: 'USE2' },
  'us-west-1': { location: 'US West (N. California)', prefix: 'USW1' },
  'us-west-2': { location: 'US West (Oregon)', prefix: 'USW2' },
  'af-south-1': { location: 'Africa (Cape Town)', prefix: 'AFS1' },
  'ap-east-1': { location: 'Asia Pacific (Hong Kong)', prefix: 'APE1' },
  'ap-south-1': { location: 'Asia Pacific (Mumbai)', prefix: 'APS3' },
  'ap-south-2': { location: 'Asia Pacific (Hyderabad)', prefix: 'APS5' },
  'ap-southeast-1': { location: 'Asia Pacific (Singapore)', prefix: 'APS1' },
  'ap-southeast-2': { location: 'Asia Pacific (Sydney)', prefix: 'APS2' },
  'ap-southeast-3': { location: 'Asia Pacific (Jakarta)', prefix: 'APS6' },
  'ap-southeast-4': { location: 'Asia Pacific (Melbourne)', prefix: 'APS7' },
  'ap-northeast-1': { location: 'Asia Pacific (Tokyo)', prefix: 'APN1' },
  'ap-northeast-2': { location: 'Asia Pacific (Seoul)', prefix: 'APN2' },
  'ap-northeast-3': { location: 'Asia Pacific (Osaka)', prefix: 'APN3' },
  'ca-central-1': { location: 'Canada (Central)', prefix: 'CAN1' },
  'ca-west-1': { location: 'Canada West (Calgary)', prefix: 'CAN2' },
  'eu-central-1': { location: 'EU (Frankfurt)', prefix: 'EUC1' },
  'eu-central-2': { location: 'EU (Zurich)', prefix: 'EUC2' },
  'eu-west-1': { location: 'EU (Ireland)', prefix: 'EU' },
  'eu-west-2': { location: 'EU (London)', prefix: 'EUW2' },
  'eu-west-3': { location: 'EU (Paris)', prefix: 'EUW3' },
  'eu-south-1': { location: 'EU (Milan)', prefix: 'EUS1' },
  'eu-south-2': { location: 'EU (Spain)', prefix: 'EUS2' },
  'eu-north-1': { location: 'EU (Stockholm)', prefix: 'EUN1' },
  'il-central-1': { location: 'Israel (Tel Aviv)', prefix: 'ILC1' },
  'me-south-1': { location: 'Middle East (Bahrain)', prefix: 'MES1' },
  'me-central-1': { location: 'Middle East (UAE)', prefix: 'MEC1' },
  'sa-east-1': { location: 'South America (Sao Paulo)', prefix: 'SAE1' },
};

/** "US East (N. Virginia)" for us-east-1; the code itself for a region Nimbus has no name for. */
export function regionLocation(region: string): string {
  return REGIONS[region]?.location ?? region;
}

/**
 * The usage-type prefix of a region: '' for us-east-1 unless `always` (EC2 and Lambda usage types carry no prefix there,
 * Fargate's do), 'USW2-' for us-west-2.
 */
export function usagePrefix(region: string, always = false): string {
  if (region === 'us-east-1' && !always) return '';
  const known = REGIONS[region]?.prefix;
  if (known) return `${known}-`;
  // A region not in the table: its initials and number (ap-east-1 → APE1), which matches AWS for most regions.
  const [area = '', dir = '', n = ''] = region.split('-');
  return `${area.toUpperCase()}${dir.charAt(0).toUpperCase()}${n}-`;
}
