// Fashion-MNIST on the page: the classes of the subset that scripts/build-data.sh ships in
// dist/data/fashion-mnist/, and the names of all ten labels.

/** Label names 0..9 of Fashion-MNIST. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/**
 * The classes the shipped subset holds (build-data.sh: --classes 0,1,7,8, 1,000 training and 500 test
 * images each), by their URL name. Other classes are not offered: the engine would have no images of them.
 */
export const FASHION_CLASSES: Readonly<Record<string, number>> = { 't-shirt': 0, trouser: 1, sneaker: 7, bag: 8 };

/** The most training images of two shipped classes (1,000 each): the page's limit on n for fashion-mnist. */
export const FASHION_MAX_N = 2000;
