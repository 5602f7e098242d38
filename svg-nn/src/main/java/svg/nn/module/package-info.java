/**
 * The module system: {@link svg.nn.module.Module} owns named parameters, buffers and children whose dotted names are
 * the official PyTorch state-dict keys, so official checkpoints load by name ({@link svg.nn.module.Module#loadStateDict},
 * strict by default, reporting missing / unexpected / mis-shaped keys). {@link svg.nn.module.Init} holds PyTorch's
 * initialisers over an explicit {@link svg.tensor.Rng}; {@link svg.nn.module.Meta} builds shape-only models for
 * parameter counting; {@link svg.nn.module.StateDicts} re-keys checkpoints.
 */
package svg.nn.module;
