package example;
import java.util.List;
public class Order {
    public static class Address {
        private String city;
        public String getCity() { return city; }
        public void setCity(String c) { city = c; }
    }
    private String item;
    private int quantity;
    private double price;
    private List<String> tags;
    private Address address;
    public String getItem() { return item; }
    public void setItem(String v) { item = v; }
    public int getQuantity() { return quantity; }
    public void setQuantity(int v) { quantity = v; }
    public double getPrice() { return price; }
    public void setPrice(double v) { price = v; }
    public List<String> getTags() { return tags; }
    public void setTags(List<String> v) { tags = v; }
    public Address getAddress() { return address; }
    public void setAddress(Address v) { address = v; }
}
