export { createUser, idToken, type UserPool } from './cognito';
export { busyPorts, type PlatformInfo, type RunningPlatform, startPlatform, stateFile } from './platform';
export { platformPorts } from './ports';
