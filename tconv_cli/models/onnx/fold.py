"""Shape arithmetic that onnx's data propagation leaves out (a Div, a Floor, a Cast between
Shape and Slice, as PyTorch's exporters write `chunk`): evaluated by the onnx reference
implementation on the sizes inference found, and put into the graph as constants so that the
nodes reading it (Slice, Reshape, Resize, Expand) get their shapes."""

from __future__ import annotations

from typing import Any, Optional

from .read import FOLD_LIMIT, onnx

#: Ops evaluated when all their inputs are known (small integer and float tensors).
FOLDABLE = frozenset(
    "Gather GatherElements Add Sub Mul Div Mod Floor Ceil Round Cast CastLike Concat Slice "
    "Unsqueeze Squeeze Reshape Range Equal Less Greater LessOrEqual GreaterOrEqual Where Not And "
    "Or ReduceProd ReduceSum ReduceMax ReduceMin Expand ConstantOfShape Identity Max Min Abs "
    "Neg Sqrt Clip Transpose Flatten Tile Sign Constant".split()
)
ROUNDS = 4  # inference and folding, at most, per input shape


class Folder:
    """Evaluates a graph's shape arithmetic; one small reference model per node, kept."""

    def __init__(self, skeleton):
        self.skeleton = skeleton
        self.evaluators: dict[str, Any] = {}
        self.broken: set[str] = set()

    def values(self, model, shapes: dict, known: dict) -> dict[str, Any]:
        """The tensors of `model` computable from `known` values and the `shapes` found: the
        outputs of Shape and Size nodes, and of foldable nodes whose inputs are known."""
        import numpy as np  # noqa: PLC0415

        values = dict(known)
        found = {}
        for node in model.graph.node:
            if not node.output or node.output[0] in values:
                continue
            results: Optional[list] = None
            if node.op_type in ("Shape", "Size") and node.input:
                shape = shapes.get(node.input[0])
                if shape is None or None in shape:
                    continue
                if node.op_type == "Size":
                    results = [np.array(int(np.prod(shape)), dtype=np.int64)]
                else:
                    start, end = _range(node)
                    results = [np.array(shape[start:end], dtype=np.int64)]
            elif node.op_type in FOLDABLE and all(not i or i in values for i in node.input):
                inputs = [values[i] if i else None for i in node.input]
                if _size(node, inputs, shapes.get(node.output[0])) > FOLD_LIMIT:
                    continue  # a tensor too large to be shape arithmetic (or a hostile one)
                results = self._run(node, inputs)
            if results is None:
                continue
            for name, value in zip(node.output, results):
                if name and getattr(value, "size", FOLD_LIMIT + 1) <= FOLD_LIMIT:
                    values[name] = value
                    found[name] = value
        return found

    def _run(self, node, inputs) -> Optional[list]:
        if node.name in self.broken:
            return None
        evaluator = self.evaluators.get(node.name)
        names = [f"i{n}" if name else "" for n, name in enumerate(node.input)]
        if evaluator is None:
            evaluator = self._evaluator(node, names, inputs)
            if evaluator is None:
                self.broken.add(node.name)
                return None
            self.evaluators[node.name] = evaluator
        try:
            return list(evaluator.run(None, {n: v for n, v in zip(names, inputs) if n}))
        except Exception:  # values the op refuses (a hostile file, an out-of-range index)
            return None

    def _evaluator(self, node, names, inputs):
        module = onnx()
        helper = module.helper
        try:
            from onnx.reference import ReferenceEvaluator  # noqa: PLC0415

            copy = module.NodeProto()
            copy.CopyFrom(node)
            del copy.input[:]
            copy.input.extend(names)
            del copy.output[:]
            copy.output.extend(f"o{n}" for n in range(len(node.output)))
            graph = helper.make_graph(
                [copy],
                "fold",
                [
                    helper.make_tensor_value_info(
                        n, helper.np_dtype_to_tensor_dtype(v.dtype), list(v.shape)
                    )
                    for n, v in zip(names, inputs)
                    if n
                ],
                [helper.make_empty_tensor_value_info(o) for o in copy.output],
            )
            model = helper.make_model(
                graph, opset_imports=[helper.make_opsetid("", self.skeleton.opset)]
            )
            return ReferenceEvaluator(model)
        except Exception:  # an op the reference cannot build alone
            return None


def _size(node, inputs, shape) -> float:
    """The number of elements `node` would make, at most (before it is evaluated)."""
    import numpy as np  # noqa: PLC0415

    if shape is not None and None not in shape:
        return float(np.prod([float(d) for d in shape]))
    try:
        op, first = node.op_type, inputs[0]
        if op == "ConstantOfShape":
            return float(np.prod(first.astype(float)))
        if op == "Expand":
            target = np.broadcast_shapes(first.shape, tuple(int(v) for v in inputs[1]))
            return float(np.prod([float(d) for d in target]))
        if op == "Tile":
            return float(first.size) * float(np.prod(inputs[1].astype(float)))
        if op == "Range":
            start, limit, delta = (float(v) for v in inputs[:3])
            return abs((limit - start) / delta) if delta else float("inf")
        return float(max((v.size for v in inputs if v is not None), default=1)) ** (
            2 if op in ("Gather", "GatherElements") else 1
        )
    except Exception:  # values the op could not take: let the evaluator refuse them
        return 0.0


def _range(node) -> tuple[int, Optional[int]]:
    start, end = 0, None
    for attribute in node.attribute:
        if attribute.name == "start":
            start = attribute.i
        elif attribute.name == "end":
            end = attribute.i
    return start, end


def constants(module, model, found: dict) -> None:
    """`found` values in `model` as initializers, the nodes that made them removed."""
    from onnx import numpy_helper  # noqa: PLC0415

    graph = model.graph
    keep = [node for node in graph.node if not all(o in found for o in node.output if o)]
    if len(keep) == len(graph.node):
        return
    copies = []
    for node in keep:
        copy = module.NodeProto()
        copy.CopyFrom(node)
        copies.append(copy)
    del graph.node[:]
    graph.node.extend(copies)
    present = {t.name for t in graph.initializer}
    for name, value in found.items():
        if name not in present:
            graph.initializer.append(numpy_helper.from_array(value, name))
