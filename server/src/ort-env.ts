/**
 * Imported first by main.ts, before onnxruntime-node loads: onnxruntime 1.30 on Linux ships a telemetry
 * client (1DS) that writes ~/.cache/Microsoft/DeveloperTools/.onnxruntime/onnxruntime.db and
 * /tmp/mat-debug-<pid>.log and may upload usage events. A factory edge node must not phone home, and with
 * a read-only root filesystem it could not write there anyway. The image sets the same variable; this keeps
 * `node dist/main.js` outside the image equally quiet. An explicit ORT_DISABLE_TELEMETRY=0 is respected.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
