"""Small synthetic iterations (engine records) for the system tests.

The structure follows ``docs/architecture.md`` section 1: a D-step (G forward, D forward on
real then fake samples, D error, D weight gradients, D update) and a G-step (G forward, D
forward on fakes after the D update, D error down to its input, G error, G weight gradients,
G update). Costs are given per layer; nothing here comes from the real mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from lergan.system.interconnect import LinkSpec, Topology
from lergan.system.tasks import Dep, OpCost, OpSpec


@dataclass(frozen=True)
class LayerCost:
    crossbars: int = 2
    fwd_s: float = 1e-6
    err_s: float = 1e-6
    wg_s: float = 1e-6
    upd_s: float = 5e-6
    act_bytes: float = 100.0  # per sample
    weight_bytes: float = 1000.0
    energy_j: float = 1e-9
    write_j: float = 1e-8
    batch_norm: bool = False


def gan_ops(g: list[LayerCost], d: list[LayerCost], batch: int,
            fresh_d_weights: bool = True) -> list[OpSpec]:
    """The ops of one iteration of a GAN whose G and D are chains of layers."""
    ops: list[OpSpec] = []

    def op(id_, net, step, pass_, layer, samples, engine, lc, lat, deps, **kw):
        ops.append(OpSpec(
            id=id_, network=net, step=step, pass_=pass_, layer=layer, samples=samples,
            executor=engine, crossbars=lc.crossbars if engine == "crossbar" else 0,
            cost=OpCost(lat, {"crossbar": lc.energy_j}) if engine != "write" else OpCost(
                0.0, {}),
            write=OpCost(lat, {"write": lc.write_j}, lc.write_j / 1e-12) if engine == "write"
            else None,
            deps=tuple(deps), weights_bytes=lc.weight_bytes, **kw))
        return id_

    def forward(step, net, layers, samples, first_deps):
        prev = None
        ids = []
        for i, lc in enumerate(layers):
            deps = first_deps if prev is None else [
                Dep(prev, f"{step}.{net}.a{i}", layers[i - 1].act_bytes * samples)]
            prev = op(f"{step}.{net}.l{i}.fwd", net, step, "forward", f"l{i}", samples,
                      "crossbar", lc, lc.fwd_s, deps, barrier=lc.batch_norm)
            ids.append(prev)
        return ids

    def backward(step, net, layers, samples, fwd_ids, err_in, to_input, wg=True):
        prev_err = err_in
        for i in reversed(range(len(layers))):
            lc = layers[i]
            saved = Dep(fwd_ids[i], f"{step}.{net}.save{i}", lc.act_bytes * samples)
            if wg:
                w = op(f"{step}.{net}.l{i}.wg", net, step, "weight_gradient", f"l{i}", samples,
                       "crossbar", lc, lc.wg_s, [prev_err, saved], accumulates=True)
                op(f"{step}.{net}.l{i}.upd", net, step, "update", f"l{i}", 1, "write", lc,
                   lc.upd_s, [Dep(w, f"{step}.{net}.dw{i}", lc.weight_bytes)], accumulates=True)
            if i > 0 or to_input:
                e = op(f"{step}.{net}.l{i}.err", net, step, "error", f"l{i}", samples,
                       "crossbar", lc, lc.err_s, [prev_err, saved])
                prev_err = Dep(e, f"{step}.{net}.e{i}", lc.act_bytes * samples)
        return prev_err

    # D-step
    ops.append(OpSpec("real", "D", "D", "forward", "real", batch, "source", 0,
                      OpCost(0.0, {})))
    gf = forward("D", "G", g, batch, [])
    fake = Dep(gf[-1], "D.fake", g[-1].act_bytes * batch, first_sample=batch)
    real = Dep("real", "D.real", g[-1].act_bytes * batch, first_sample=0)
    df = forward("D", "D", d, 2 * batch, [real, fake])
    backward("D", "D", d, 2 * batch, df, Dep(df[-1], "D.loss", 8.0 * 2 * batch), False)
    # G-step
    gf2 = forward("G", "G", g, batch, [])
    upd = [Dep(f"D.D.l{i}.upd") for i in range(len(d))] if fresh_d_weights else []
    df2 = forward("G", "D", d, batch,
                  [Dep(gf2[-1], "G.fake", g[-1].act_bytes * batch), *upd])
    dx = backward("G", "D", d, batch, df2, Dep(df2[-1], "G.loss", 8.0 * batch), True,
                  wg=False)
    backward("G", "G", g, batch, gf2, dx, False)
    return ops


def links(bw: float = 1e9, lat: float = 1e-9, e_bit: float = 1e-12) -> dict[str, LinkSpec]:
    return {
        "bank_link": LinkSpec("bank_link", bw, lat, e_bit, 1e-8, 1e-3),
        "internal_bus": LinkSpec("internal_bus", bw / 2, lat, 2 * e_bit, 2e-8, 2e-3),
        "offchip": LinkSpec("offchip", bw / 4, 10 * lat, 20 * e_bit, 5e-8, 5e-3),
    }


def topology(kind: str = "3d", banks: int = 6, ports: int = 3, **kw) -> Topology:
    return Topology(kind, banks, ports, links(**kw))
