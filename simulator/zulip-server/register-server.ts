/** STUB — replaced by the register_server implementation. */
import type { ZulipServerContext } from './context';
import type { UploadServerDataResult } from './bouncer-client/analytics-upload';

export interface RegisterServerOptions {
  /** `--agree-to-terms-of-service`: skip the prompt. */
  agreeToTermsOfService?: boolean;
  rotateKey?: boolean;
  deactivate?: boolean;
  registrationTransfer?: boolean;
  /** Asks the operator a question (the ToS prompt); absent = non-interactive (answers nothing). */
  prompt?: (question: string) => Promise<string>;
  /** Each line the command prints. */
  print?: (line: string) => void;
}

export interface RegisterServerOutcome {
  action: 'registered' | 'updated' | 'rotated' | 'deactivated' | 'transferred' | 'aborted';
  created?: boolean;
  /** Everything printed, in order. */
  output: string[];
  /** The metadata upload that followed (absent when none ran). */
  upload?: UploadServerDataResult;
}

export async function registerServer(_ctx: ZulipServerContext, _opts: RegisterServerOptions = {}): Promise<RegisterServerOutcome> {
  throw new Error('not implemented');
}
