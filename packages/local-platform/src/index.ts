export {
  createUser,
  idToken,
  LOCAL_USER_PASSWORD,
  PLATFORM_GROUPS,
  type PlatformGroup,
  type UserPool,
} from './cognito';
export { matchesPattern } from './event-pattern';
export { routeMatcher } from './gateway';
export { busyPorts, type PlatformInfo, type RunningPlatform, startPlatform, stateFile } from './platform';
export { platformPorts, TEST_PORT_OFFSETS } from './ports';
export { describeService, readDefinition, serviceNames } from './services';
