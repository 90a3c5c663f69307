import { AppError } from '../shared/errors.ts';
import type { BallotBody, BallotValue } from '../shared/votes.ts';
import type { VoteRecord } from './store.ts';

/** The ballot's value for this kind of vote, or a 400 naming what is wrong. */
export function ballotValue(vote: VoteRecord, body: BallotBody, stageCount: number): BallotValue {
  const extra = (keys: (keyof BallotBody)[]) => keys.filter((k) => body[k] !== undefined);
  if (vote.kind === 'stage') {
    if (body.stage === undefined) throw new AppError('bad_request', 'stage: a stage vote needs "stage"');
    if (body.stage < 1 || body.stage > stageCount) throw new AppError('bad_request', `stage: must be between 1 and ${stageCount}`);
    if (extra(['autonomy', 'controls', 'choice']).length) throw new AppError('bad_request', 'a stage vote takes only "stage"');
    return { stage: body.stage };
  }
  if (vote.kind === 'risk') {
    if (body.autonomy === undefined || body.controls === undefined) {
      throw new AppError('bad_request', 'a risk vote needs "autonomy" and "controls" (0 to 1)');
    }
    if (extra(['stage', 'choice']).length) throw new AppError('bad_request', 'a risk vote takes only "autonomy" and "controls"');
    return { autonomy: body.autonomy, controls: body.controls };
  }
  if (body.choice === undefined || !vote.choices?.includes(body.choice)) {
    throw new AppError('bad_request', `choice: must be one of ${JSON.stringify(vote.choices)}`);
  }
  if (extra(['stage', 'autonomy', 'controls']).length) throw new AppError('bad_request', 'a choice vote takes only "choice"');
  return { choice: body.choice };
}
