"""The waiting room screen: the board patients read from across the room, its window and its announcements."""
