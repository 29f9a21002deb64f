//! The 1st edition's wording (`--edition ed1`): the same producer and consumer as the recipe's,
//! which print their lines, and print them after the wait where the 2nd edition logs before.

use super::{Buffer, Items};

// The wait and the notify are the recipe's technique, repeated here in the 1st edition's words.
pub fn produce(buffer: &Buffer, item: u32) {
    let items = buffer.lock();
    let was_full = items.list.len() >= buffer.capacity;
    let full = |items: &mut Items| items.list.len() >= buffer.capacity;
    let mut items = buffer.changed.wait_while(items, full).unwrap();
    if was_full {
        println!("Producer notify : items producted are {}", items.list.len());
        println!("Producer notify : stop the production!!");
    }
    items.list.push(item);
    items.longest = items.longest.max(items.list.len());
    println!(
        "Producer notify : total items producted {}",
        items.list.len()
    );
    buffer.changed.notify_one();
}

pub fn consume(buffer: &Buffer) -> Option<u32> {
    let items = buffer.lock();
    let was_empty = items.list.is_empty();
    let empty = |items: &mut Items| items.list.is_empty();
    let mut items = buffer.changed.wait_while(items, empty).unwrap();
    if was_empty {
        println!("Consumer notify : no item to consume");
    }
    let item = items.list.pop();
    println!("Consumer notify : consumed 1 item");
    println!(
        "Consumer notify : items to consume are {}",
        items.list.len()
    );
    buffer.changed.notify_one();
    item
}
