/**
 * Input errors of the product. The error type lives in the contract package because the inference server reports
 * a bad model folder with the same one-line message (file, field, value, fix) as the synth CLI.
 */
export { displayPath, fieldPath, InputError, MISSING, moreProblems, valueAt } from '@edge-ai/inference-contract';
