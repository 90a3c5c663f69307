import { parseTemplate, type Template } from '../template.ts';
import aiSdlc from './ai-sdlc.json' with { type: 'json' };
import awsAiDlc from './aws-ai-dlc.json' with { type: 'json' };
import notionAi from './notion-ai-transformation.json' with { type: 'json' };

/** Built-in templates, validated when this module loads so a broken one fails loudly. */
export const BUILTIN_TEMPLATES: readonly Template[] = [aiSdlc, awsAiDlc, notionAi].map(parseTemplate);

export const DEFAULT_TEMPLATE_ID = 'ai-sdlc';

export function findTemplate(id: string): Template | undefined {
  return BUILTIN_TEMPLATES.find((t) => t.id === id);
}
