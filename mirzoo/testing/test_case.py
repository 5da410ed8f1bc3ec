"""A base test case with layer, serialization and saving helpers (pytest style).

Subclass :class:`TestCase` in a `Test*` class; pytest collects it and its
helpers work with `pytest.mark.parametrize`.
"""

import os
import tempfile

import keras
import numpy as np


def _as_tuple(data):
    if isinstance(data, dict):  # named outputs, compared name by name
        return tuple(data[key] for key in sorted(data))
    return tuple(data) if isinstance(data, (tuple, list)) else (data,)


def _symbolic_inputs(data, variable_length):
    """One `keras.Input` per array; axis 1 (samples or frames) left as None when asked."""
    inputs = []
    for array in _as_tuple(data):
        shape = list(array.shape[1:])
        if variable_length:
            shape[0] = None
        inputs.append(keras.Input(shape=tuple(shape), batch_size=None, dtype=str(array.dtype)))
    return inputs


def _call(layer, inputs, **kwargs):
    return layer(tuple(inputs) if len(inputs) > 1 else inputs[0], **kwargs)


class TestCase:
    """Helpers shared by mirzoo's tests: use them instead of ad-hoc checks."""

    def assert_allclose(self, actual, expected, atol=1e-6, rtol=1e-6, msg=""):
        np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), atol=atol, rtol=rtol, err_msg=msg)

    def run_serialization_test(self, layer):
        """get_config → from_config → get_config is identical and JSON-serialisable, also via keras.saving."""
        config = layer.get_config()
        revived = layer.__class__.from_config(config)
        assert revived.get_config() == config
        serialized = keras.saving.serialize_keras_object(layer)
        revived = keras.saving.deserialize_keras_object(serialized)
        assert type(revived) is type(layer)
        assert revived.get_config() == config
        keras.saving.serialize_keras_object(revived)  # JSON-able all the way down
        return revived

    def run_layer_test(
        self,
        layer_cls,
        init_kwargs,
        input_data,
        expected_output_shape=None,
        expected_output=None,
        expected_num_trainable_weights=0,
        expected_num_non_trainable_weights=0,
        variable_length=True,
        atol=1e-5,
        rtol=1e-5,
        call_kwargs=None,
    ):
        """Build, serialise, call eagerly and symbolically, and run in a compiled model.

        Args:
            layer_cls: the layer class.
            init_kwargs: constructor arguments.
            input_data: a NumPy array, or a tuple of them for multi-input layers.
            expected_output_shape: shape of the (first) output on `input_data`.
            expected_output: oracle values for the output, if any.
            expected_num_trainable_weights, expected_num_non_trainable_weights:
                weight counts after building (0 for every DSP layer).
            variable_length: also build with axis 1 unknown (None).
            call_kwargs: extra keyword arguments of `call` (e.g. `training`).

        Returns:
            The eager output, as NumPy (a tuple for multi-output layers).
        """
        call_kwargs = call_kwargs or {}
        layer = layer_cls(**init_kwargs)
        self.run_serialization_test(layer)
        inputs = _as_tuple(input_data)

        eager = _call(layer, inputs, **call_kwargs)
        eager_arrays = tuple(keras.ops.convert_to_numpy(o) for o in _as_tuple(eager))
        if expected_output_shape is not None:
            assert eager_arrays[0].shape == tuple(expected_output_shape)
        if expected_output is not None:
            self.assert_allclose(eager_arrays[0], expected_output, atol=atol, rtol=rtol)
        assert len(layer.trainable_weights) == expected_num_trainable_weights
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights

        declared = layer.compute_output_shape(
            tuple(inputs[0].shape) if len(inputs) == 1 else tuple(tuple(a.shape) for a in inputs)
        )
        declared = declared if isinstance(declared[0], (tuple, list)) else (declared,)
        for shape, array in zip(declared, eager_arrays):
            assert tuple(shape) == array.shape, f"compute_output_shape {shape} != eager {array.shape}"

        for variable in (False, True) if variable_length else (False,):
            symbolic_in = _symbolic_inputs(input_data, variable)
            fresh = layer_cls(**init_kwargs)
            symbolic_out = _call(fresh, symbolic_in, **call_kwargs)
            for tensor, array in zip(_as_tuple(symbolic_out), eager_arrays):
                expected = (None, None) + array.shape[2:] if variable else (None,) + array.shape[1:]
                assert tuple(tensor.shape) == expected, f"symbolic {tuple(tensor.shape)} != {expected}"
            model = keras.Model(symbolic_in if len(symbolic_in) > 1 else symbolic_in[0], symbolic_out)
            compiled = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            for got, want in zip(_as_tuple(compiled), eager_arrays):
                self.assert_allclose(got, want, atol=atol, rtol=rtol, msg="compiled graph differs from eager call")
        return eager_arrays if len(eager_arrays) > 1 else eager_arrays[0]

    def run_model_saving_test(self, model, input_data, atol=1e-6, rtol=1e-6):
        """`.keras` save → load (safe_mode) gives the same class and the same outputs."""
        expected = model.predict(input_data, verbose=0)
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "model.keras")
            model.save(path)
            restored = keras.saving.load_model(path, safe_mode=True)
        assert type(restored) is type(model)
        for got, want in zip(_as_tuple(restored.predict(input_data, verbose=0)), _as_tuple(expected)):
            self.assert_allclose(got, want, atol=atol, rtol=rtol, msg=".keras round trip changed the output")
        return restored

    def run_layer_saving_test(self, layer, input_data, atol=1e-6, rtol=1e-6):
        """Wrap `layer` in a variable-length functional model and run :meth:`run_model_saving_test`."""
        inputs = _symbolic_inputs(input_data, variable_length=True)
        model = keras.Model(inputs if len(inputs) > 1 else inputs[0], _call(layer, inputs))
        return self.run_model_saving_test(model, input_data, atol=atol, rtol=rtol)
