import type { SharedV4Warning } from '@ai-sdk/provider';
import type { AiSdkWarning } from './spec.js';

/**
 * An AI SDK warning as a pixmux warning line, prefixed with the provider id like every provider's warnings.
 * Knows the v4/v3 kinds (`unsupported`, `compatibility`, `deprecated`, `other`) and v2's `unsupported-setting`;
 * anything else is shown as its JSON rather than dropped.
 */
export function warningFromAiSdk(warning: AiSdkWarning, provider: string): string {
  const text = describeWarning(warning as AiSdkWarning | { type?: unknown });
  return `${provider}: ${text}`;
}

function describeWarning(warning: AiSdkWarning | { type?: unknown }): string {
  const record = warning as Record<string, unknown>;
  const details = typeof record.details === 'string' && record.details.length > 0 ? `: ${record.details}` : '';
  switch (record.type) {
    case 'unsupported':
      return `${String(record.feature)} is not supported by the model${details}`;
    case 'unsupported-setting':
      return `${String(record.setting)} is not supported by the model${details}`;
    case 'compatibility':
      return `${String(record.feature)} runs in compatibility mode${details}`;
    case 'deprecated':
      return `${String(record.setting)} is deprecated: ${String(record.message)}`;
    case 'other':
      return String(record.message);
    default:
      return JSON.stringify(warning);
  }
}

/** A pixmux warning line as an AI SDK warning (`other`, the kind every specification version knows). */
export function warningToAiSdk(message: string): SharedV4Warning {
  return { type: 'other', message };
}
