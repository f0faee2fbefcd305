/**
 * `@tenantry/config`: the environment contract of every Tenantry function and its one reader. See README.md.
 */
export { type Config, ConfigurationError, checkConfig, config, readConfig, readVariable, resetConfig } from './config';
export { environmentContract, type Source, type Variable, type VariableName, variablesFrom } from './contract';
