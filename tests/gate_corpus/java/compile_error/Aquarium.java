import java.util.ArrayList;
import java.util.List;

public class Aquarium {
    private final List<String> fish = new ArrayList<>();

    public int count() {
        return fish.size() + missing;
    }

    public String first() {
        return fish.get(0).lenght();
    }
}
