package svg.nn.layer;

import svg.nn.module.Module;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** torch.nn.ModuleList: children named 0, 1, 2, ... */
public class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    public ModuleList() {}

    public ModuleList(List<M> ms) { ms.forEach(this::add); }

    public ModuleList<M> add(M m) {
        child(Integer.toString(items.size()), m);
        items.add(m);
        return this;
    }

    public M get(int i) { return items.get(i); }

    public int size() { return items.size(); }

    public List<M> asList() { return Collections.unmodifiableList(items); }

    @Override
    public Iterator<M> iterator() { return asList().iterator(); }
}
